import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '@darkroom/config';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Accept a caller's request id only if it is short and printable; otherwise make one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value && /^[\w.:-]{1,128}$/.test(value) ? value : randomUUID();
}

/**
 * One JSON line per event (pino), tagged with service and instance; secrets
 * and the Authorization header never reach the log. LOG_FORMAT=pretty makes
 * the lines readable for `docker compose logs -f`.
 */
@Module({})
export class LoggingModule {
  static forService(service: string): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => ({
            pinoHttp: {
              level: config.log.level,
              base: { service, instance: config.instance },
              messageKey: 'msg',
              redact: {
                paths: ['req.headers.authorization', 'req.headers.cookie', 'req.query.sig', 'token', '*.token', '*.password'],
                censor: '[redacted]',
              },
              transport:
                config.log.format === 'pretty'
                  ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
                  : undefined,
              genReqId: (req: IncomingMessage, res: ServerResponse) => {
                const id = requestIdOf(req);
                res.setHeader(REQUEST_ID_HEADER, id);
                return id;
              },
              customProps: (req: IncomingMessage) => ({ requestId: (req as IncomingMessage & { id?: unknown }).id }),
              autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health') },
              serializers: {
                req: (req: { id: unknown; method: string; url: string }) => ({ method: req.method, url: req.url?.replace(/sig=[^&]+/, 'sig=[redacted]') }),
              },
            },
          }),
        }),
      ],
    };
  }
}

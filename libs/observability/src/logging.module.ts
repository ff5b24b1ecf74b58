import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, LoggerService, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { pino, type DestinationStream, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import { AppConfig } from '@darkroom/config';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Accept a caller's request id only if it is short and printable; otherwise make one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(given) ? given[0] : given;
  return value && /^[\w.:-]{1,128}$/.test(value) ? value : randomUUID();
}

/** Query parameters that are credentials: a signed URL's signature, a stream ticket, a token. */
const SECRET_PARAMS = /([?&](?:sig|ticket|token|access_token)=)[^&#]*/gi;

/** The URL as it may be logged: every credential in its query replaced. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}

/**
 * One JSON line per event (pino), tagged with service and instance; secrets
 * and the Authorization header never reach the log.
 */
export function pinoOptions(config: AppConfig, service: string): LoggerOptions {
  return {
    level: config.log.level,
    base: { service, instance: config.instance },
    messageKey: 'msg',
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'token', '*.token', '*.password'],
      censor: '[redacted]',
    },
  };
}

/**
 * Where the lines go: pino's own synchronous stdout for JSON; for
 * LOG_FORMAT=pretty, one readable line per event (time, level,
 * service/instance, message, then the event's fields), formatted in this
 * thread and written synchronously. Not a pino transport: its worker thread
 * loses what it has not written yet when SIGTERM ends the process, which is
 * exactly when the last lines matter.
 */
export function logDestination(config: AppConfig): DestinationStream | undefined {
  if (config.log.format !== 'pretty') return undefined;
  return pinoPretty({
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    messageFormat: '{service}/{instance} {msg}',
    ignore: 'pid,hostname,service,instance,context',
  });
}

@Module({})
export class LoggingModule {
  static forService(service: string): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (config: AppConfig) => {
            const options: PinoHttpOptions = {
              ...pinoOptions(config, service),
              genReqId: (req: IncomingMessage, res: ServerResponse) => {
                const id = requestIdOf(req);
                res.setHeader(REQUEST_ID_HEADER, id);
                return id;
              },
              customProps: (req: IncomingMessage) => ({ requestId: (req as IncomingMessage & { id?: unknown }).id }),
              // probes and scrapes every few seconds would bury the lines that matter (one per job, one per request)
              autoLogging: { ignore: (req: IncomingMessage) => /^\/(health|metrics)(\/|\?|$)/.test(req.url ?? '') },
              serializers: {
                // Signed URLs carry their signature in the query, stream URLs a ticket: keep them out of the log.
                req: (req: { method: string; url?: string }) => ({ method: req.method, url: req.url === undefined ? undefined : redactUrl(req.url) }),
              },
            };
            const destination = logDestination(config);
            return { pinoHttp: destination ? [options, destination] : options };
          },
        }),
      ],
    };
  }
}

/**
 * Logger for Nest itself while modules start, before the DI-built one exists:
 * start-up is where connection attempts are retried and logged, so those lines
 * must not wait in a buffer. Same pino options, same JSON.
 */
export function bootLogger(config: AppConfig, service: string): LoggerService {
  const destination = logDestination(config);
  const logger = destination ? pino(pinoOptions(config, service), destination) : pino(pinoOptions(config, service));
  const write = (level: 'info' | 'warn' | 'error' | 'debug' | 'trace') => (message: unknown, ...rest: unknown[]) => {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    if (message instanceof Error) logger[level]({ context, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) logger[level]({ context, ...message });
    else logger[level]({ context }, String(message));
  };
  return { log: write('info'), warn: write('warn'), error: write('error'), debug: write('debug'), verbose: write('trace'), fatal: write('error') };
}

import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@darkroom/config';
import { appOptions } from '@darkroom/observability';
import { NotifierModule } from './notifier.module';

/** BullMQ processor for upload events, plus a small HTTP port for /health. */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create(NotifierModule, appOptions(config, 'notifier'));
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.notifier.httpPort, '0.0.0.0');
  app.get(Logger).log(`notifier consuming ${config.redis.prefix}:${config.redis.notificationsQueue}; health on :${config.notifier.httpPort}`);
}

bootstrap().catch((error: unknown) => {
  console.error(`notifier: start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

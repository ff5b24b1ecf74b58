import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@darkroom/config';
import { appOptions } from '@darkroom/observability';

/** BullMQ processors for upload events and the fan-out, plus a small HTTP port for /health. */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  // Imported only now: its decorators read queue names from the config, which is valid by this line.
  const { NotifierModule } = await import('./notifier.module.js');
  const app = await NestFactory.create(NotifierModule, appOptions(config, 'notifier'));
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(config.notifier.httpPort, '0.0.0.0');
  app.get(Logger).log(
    `notifier consuming ${config.redis.prefix}:${config.redis.notificationsQueue} and ${config.redis.prefix}:${config.redis.fanOutQueue}; health on :${config.notifier.httpPort}`,
  );
}

bootstrap().catch((error: unknown) => {
  console.error(`notifier: start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

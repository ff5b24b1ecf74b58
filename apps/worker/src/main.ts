import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@darkroom/config';
import { appOptions } from '@darkroom/observability';
import { eventQueues, RabbitConsumerTransport } from '@darkroom/messaging';

/**
 * A hybrid Nest app: the consumer of the RabbitMQ events (a microservice on
 * our AMQP transport) plus a small HTTP port for /health.
 */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  // Imported only now: its decorators read queue names from the config, which is valid by this line.
  const { WorkerModule } = await import('./worker.module.js');
  const app = await NestFactory.create(WorkerModule, appOptions(config, 'worker'));
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.connectMicroservice({ strategy: app.get(RabbitConsumerTransport) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(config.worker.httpPort, '0.0.0.0');
  const queues = eventQueues(config.rabbit).map((names) => names.queue).join(', ');
  app.get(Logger).log(`worker ${config.instance} consuming ${queues} (concurrency ${config.worker.concurrency}); health on :${config.worker.httpPort}`);
}

bootstrap().catch((error: unknown) => {
  console.error(`worker: start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

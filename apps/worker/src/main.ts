import 'reflect-metadata';
import { getPriority, setPriority } from 'node:os';
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
  yieldTheCores(config.worker.nice);
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

/**
 * Developing photos is batch work: under a full queue it takes every core, and the api's answers and the database
 * wait behind it. A higher nice value lets them go first; when nothing else wants the CPU the worker still gets all
 * of it. Linux keeps a nice value per thread and new threads inherit it, so this runs before the first thread-pool
 * or libvips thread exists. Raising one's own nice value needs no privilege (also in a container).
 */
function yieldTheCores(nice: number): void {
  if (nice === 0) return;
  try {
    setPriority(Math.min(19, getPriority() + nice));
  } catch (error) {
    console.warn(`worker: could not lower its CPU priority (WORKER_NICE=${nice}): ${error instanceof Error ? error.message : String(error)}`);
  }
}

bootstrap().catch((error: unknown) => {
  console.error(`worker: start-up failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

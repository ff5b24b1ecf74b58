import type { NestApplicationOptions } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';
import { bootLogger } from './logging.module';

/** What every app hands NestFactory.create: its start-up logger, and how its HTTP port behaves on shutdown. */
export function appOptions(config: AppConfig, service: string): NestApplicationOptions {
  return {
    logger: bootLogger(config, service),
    // On shutdown, answer 503 + Connection: close: a keep-alive client (Prometheus scrapes every
    // 5 s) would otherwise hold the HTTP server open, and the process, until it is killed.
    return503OnClosing: true,
  };
}

import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '@darkroom/config';
import { createRedis } from '@darkroom/messaging';

/** The api's Redis connection for stream tickets and stream slots (not the subscriber: that one is in subscribe mode). */
@Injectable()
export class StreamRedis implements OnApplicationShutdown {
  readonly client: Redis;

  constructor(config: AppConfig) {
    this.client = createRedis(config, 'streams', { blocking: false });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => undefined);
  }
}

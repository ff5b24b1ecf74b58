import { Global, Module } from '@nestjs/common';
import { Cache } from './cache';
import { RedisCache } from './redis-cache';

/** The process's one cache (a Redis connection of its own); inject `Cache`. */
@Global()
@Module({ providers: [{ provide: Cache, useClass: RedisCache }], exports: [Cache] })
export class CacheModule {}

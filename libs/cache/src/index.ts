export { Cache, CACHE_NAMESPACE } from './cache';
export { CacheModule } from './cache.module';
export { MemoryCache } from './memory-cache';
export { RedisCache } from './redis-cache';

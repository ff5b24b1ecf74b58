import { applyDecorators, ExecutionContext, Module, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerGuard, ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import { AppConfig, type RateLimit } from '@darkroom/config';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { RedisThrottlerStorage } from './redis-throttler.storage';

export type RateLimitPolicy = 'signUp' | 'uploads';
const RATE_LIMIT_POLICY = 'darkroom:rate-limit';

/**
 * The route is rate limited by `policy` (limit and window from the configuration):
 * sign-ups per client IP, uploads per authenticated user. Beyond the limit: 429 with
 * Retry-After (seconds until the window ends). The guard is a route guard, so it runs
 * after the global bearer-auth guard (req.user is known) and before the body is read.
 */
export const RateLimited = (policy: RateLimitPolicy) => applyDecorators(SetMetadata(RATE_LIMIT_POLICY, policy), UseGuards(ThrottlerGuard));

export function policyOf(reflector: Reflector, context: ExecutionContext): RateLimitPolicy {
  const policy = reflector.get<RateLimitPolicy | undefined>(RATE_LIMIT_POLICY, context.getHandler());
  if (!policy) throw new Error(`${context.getClass().name}.${context.getHandler().name} uses the ThrottlerGuard without @RateLimited()`);
  return policy;
}

/**
 * Who a request is counted against. Sign-up has no user yet: the client IP (req.ip honours
 * TRUST_PROXY), an IPv6 address by its /64, which is what one subscriber usually gets.
 */
export function trackerOf(policy: RateLimitPolicy, req: Request): string {
  if (policy === 'uploads') {
    const user = (req as AuthenticatedRequest).user;
    if (user) return `user:${user.id}`;
  }
  const ip = req.ip ?? req.socket.remoteAddress;
  return ip ? `ip:${normalizeIp(ip)}` : 'ip:unknown';
}

export function tooManyMessage(policy: RateLimitPolicy, rule: RateLimit, retryAfterSeconds: number): string {
  const what = policy === 'signUp' ? 'sign-ups from this address' : 'uploads';
  return `too many ${what}: at most ${rule.limit} per ${rule.windowSeconds} s; try again in ${retryAfterSeconds} s`;
}

export function throttlerOptions(config: AppConfig, reflector: Reflector, storage: RedisThrottlerStorage): ThrottlerModuleOptions {
  const rule = (context: ExecutionContext) => config.rateLimits[policyOf(reflector, context)];
  return {
    storage,
    // one throttler named "default", so the header is plain Retry-After; its numbers depend on the route
    throttlers: [{ limit: (context) => rule(context).limit, ttl: (context) => rule(context).windowSeconds * 1000 }],
    getTracker: (req, context) => trackerOf(policyOf(reflector, context), req as Request),
    errorMessage: (context, detail) => tooManyMessage(policyOf(reflector, context), rule(context), detail.timeToBlockExpire),
  };
}

@Module({
  providers: [{ provide: RedisThrottlerStorage, inject: [AppConfig], useFactory: (config: AppConfig) => RedisThrottlerStorage.fromConfig(config) }],
  exports: [RedisThrottlerStorage],
})
class RateLimitStorageModule {}

/** Import once (app module); then @RateLimited(policy) on a route. */
export const RateLimitModule = ThrottlerModule.forRootAsync({
  imports: [RateLimitStorageModule],
  inject: [AppConfig, Reflector, RedisThrottlerStorage],
  useFactory: throttlerOptions,
});

import { Injectable, UnauthorizedException } from '@nestjs/common';
import { Cache, CACHE_NAMESPACE } from '@darkroom/cache';
import { UserEntity, UsersRepository } from '@darkroom/database';
import { hashApiToken } from './api-token';
import type { AuthenticatedUser } from './auth.decorators';

/** The token cache's entry: plain JSON, so the Date travels as its ISO string. */
interface CachedCaller {
  id: string;
  handle: string;
  displayName: string | null;
  email: string | null;
  createdAt: string;
}

/** Who a bearer token belongs to: asked by the global guard and by the stream's own. */
@Injectable()
export class TokenCallers {
  constructor(
    private readonly users: UsersRepository,
    private readonly cache: Cache,
  ) {}

  /** The caller an `Authorization: Bearer <token>` header names; 401 for any other header or an unknown token. */
  async fromAuthorization(header: string): Promise<AuthenticatedUser> {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const user = match ? await this.callerOf(match[1]!) : null;
    if (!user) throw new UnauthorizedException('the bearer token is not valid');
    return user;
  }

  /**
   * Every authenticated request asks this, so it is cache-aside (namespace `token`, id = token hash).
   * Not getOrLoad: an unknown token is never stored, or a stream of guessed tokens would fill Redis.
   */
  async callerOf(token: string): Promise<AuthenticatedUser | null> {
    const tokenHash = hashApiToken(token);
    let version: string | undefined;
    try {
      const cached = await this.cache.read<CachedCaller>(CACHE_NAMESPACE.token, tokenHash);
      if (cached.value !== undefined) return { ...cached.value, createdAt: new Date(cached.value.createdAt) };
      version = cached.version;
    } catch {
      // Redis is down: Postgres still answers, uncached.
    }
    const user = await this.users.findByTokenHash(tokenHash);
    if (!user) return null;
    const caller = callerFields(user);
    if (version !== undefined) {
      await this.cache.write(CACHE_NAMESPACE.token, tokenHash, version, { ...caller, createdAt: caller.createdAt.toISOString() } satisfies CachedCaller).catch(() => undefined);
    }
    return caller;
  }
}

/** The same fields whether the caller came from Postgres or the cache, so no route depends on a cache miss. */
function callerFields(user: UserEntity): AuthenticatedUser {
  return { id: user.id, handle: user.handle, displayName: user.displayName, email: user.email, createdAt: user.createdAt };
}

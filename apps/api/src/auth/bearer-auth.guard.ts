import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Cache, CACHE_NAMESPACE } from '@darkroom/cache';
import { UserEntity, UsersRepository } from '@darkroom/database';
import { hashApiToken } from './api-token';
import { PUBLIC_ROUTE } from '@darkroom/observability';
import { AuthenticatedRequest, AuthenticatedUser, SIGNED_URL_ROUTE } from './auth.decorators';
import { UrlSigner } from './url-signer';

/** The token cache's entry: plain JSON, so the Date travels as its ISO string. */
interface CachedCaller {
  id: string;
  handle: string;
  displayName: string | null;
  email: string | null;
  webhookUrl: string | null;
  createdAt: string;
}

/** Global guard: every route needs `Authorization: Bearer <token>` unless marked otherwise. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: UsersRepository,
    private readonly signer: UrlSigner,
    private readonly cache: Cache,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();

    const header = req.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const user = match ? await this.callerOf(hashApiToken(match[1]!)) : null;
      if (!user) throw new UnauthorizedException('the bearer token is not valid');
      req.user = user;
      return true;
    }
    if (this.reflector.getAllAndOverride<boolean>(SIGNED_URL_ROUTE, targets) && req.query.sig !== undefined) {
      if (!this.signer.verify(req.path, req.query.exp, req.query.sig)) {
        throw new UnauthorizedException('the signed URL is invalid or has expired; fetch the upload again for a fresh one');
      }
      req.signedUrl = true;
      return true;
    }
    throw new UnauthorizedException('send Authorization: Bearer <token> (POST /v1/users returns one)');
  }

  /**
   * Every authenticated request asks this, so it is cache-aside (namespace `token`, id = token hash).
   * Not getOrLoad: an unknown token is never stored, or a stream of guessed tokens would fill Redis.
   */
  private async callerOf(tokenHash: string): Promise<AuthenticatedUser | null> {
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
  return { id: user.id, handle: user.handle, displayName: user.displayName, email: user.email, webhookUrl: user.webhookUrl, createdAt: user.createdAt };
}

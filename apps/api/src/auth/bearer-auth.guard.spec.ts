import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CACHE_NAMESPACE, MemoryCache } from '@darkroom/cache';
import type { AppConfig } from '@darkroom/config';
import type { UserEntity, UsersRepository } from '@darkroom/database';
import { hashApiToken } from './api-token';
import type { AuthenticatedRequest } from './auth.decorators';
import { BearerAuthGuard } from './bearer-auth.guard';
import { TokenCallers } from './token-callers';
import { UrlSigner } from './url-signer';

const TOKEN = 'drk_spec-token';
const USER: UserEntity = {
  id: '0b9c4e1a-2d3f-4a5b-8c6d-7e8f9a0b1c2d',
  handle: 'ada_l',
  displayName: 'Ada',
  apiTokenHash: hashApiToken(TOKEN),
  email: 'ada@example.org',
  createdAt: new Date('2025-03-14T15:09:26.535Z'),
};

/** A request to a route with no metadata (neither public nor signed-URL). */
function contextFor(req: Partial<AuthenticatedRequest>): ExecutionContext {
  const handler = () => undefined;
  class SpecController {}
  return {
    getHandler: () => handler,
    getClass: () => SpecController,
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
}

function requestWith(token: string): Partial<AuthenticatedRequest> {
  return { headers: { authorization: `Bearer ${token}` }, query: {} } as Partial<AuthenticatedRequest>;
}

describe('BearerAuthGuard and the token cache', () => {
  let cache: MemoryCache;
  let findByTokenHash: jest.Mock<Promise<UserEntity | null>, [string]>;
  let guard: BearerAuthGuard;

  beforeEach(() => {
    cache = new MemoryCache();
    findByTokenHash = jest.fn(async (hash: string) => (hash === USER.apiTokenHash ? USER : null));
    const signer = new UrlSigner({ api: { urlSigningSecret: 'a-test-secret-of-enough-length', signedUrlTtlSeconds: 60 } } as AppConfig);
    guard = new BearerAuthGuard(new Reflector(), new TokenCallers({ findByTokenHash } as unknown as UsersRepository, cache), signer);
  });

  it('looks a token up in Postgres once, then serves the caller from the cache with createdAt still a Date', async () => {
    const first = requestWith(TOKEN);
    const second = requestWith(TOKEN);

    await expect(guard.canActivate(contextFor(first))).resolves.toBe(true);
    await expect(guard.canActivate(contextFor(second))).resolves.toBe(true);

    expect(findByTokenHash).toHaveBeenCalledTimes(1);
    expect(findByTokenHash).toHaveBeenCalledWith(hashApiToken(TOKEN));
    const expected = { id: USER.id, handle: USER.handle, displayName: USER.displayName, email: USER.email, createdAt: USER.createdAt };
    expect(first.user).toEqual(expected);
    expect(second.user).toEqual(expected);
    expect(second.user!.createdAt).toBeInstanceOf(Date);
    expect(second.user!.createdAt.toISOString()).toBe('2025-03-14T15:09:26.535Z');
  });

  it('keys the entry by the token hash and stores no secret in it', async () => {
    await guard.canActivate(contextFor(requestWith(TOKEN)));

    const entry = await cache.read<Record<string, unknown>>(CACHE_NAMESPACE.token, hashApiToken(TOKEN));
    expect(entry.value).toMatchObject({ id: USER.id, createdAt: '2025-03-14T15:09:26.535Z' });
    const stored = JSON.stringify([...cache.entries.values()]);
    expect(stored).not.toContain(TOKEN);
    expect(stored).not.toContain(USER.apiTokenHash.slice(8)); // the hash is the key, not part of the value
  });

  it('answers 401 for an unknown token and caches nothing for it', async () => {
    await expect(guard.canActivate(contextFor(requestWith('drk_guessed')))).rejects.toThrow(UnauthorizedException);
    await expect(guard.canActivate(contextFor(requestWith('drk_guessed')))).rejects.toThrow(UnauthorizedException);

    expect(findByTokenHash).toHaveBeenCalledTimes(2);
    expect(cache.entries.size).toBe(0);
  });

  it('reads the token from Postgres again after its entry is invalidated', async () => {
    await guard.canActivate(contextFor(requestWith(TOKEN)));
    await cache.invalidate(CACHE_NAMESPACE.token, [hashApiToken(TOKEN)]);
    await guard.canActivate(contextFor(requestWith(TOKEN)));

    expect(findByTokenHash).toHaveBeenCalledTimes(2);
  });

  it('still lets the caller in from Postgres when the cache is down', async () => {
    jest.spyOn(cache, 'read').mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    const write = jest.spyOn(cache, 'write');
    const req = requestWith(TOKEN);

    await expect(guard.canActivate(contextFor(req))).resolves.toBe(true);

    expect(req.user!.id).toBe(USER.id);
    expect(write).not.toHaveBeenCalled();
  });

  it('still lets the caller in when storing the entry fails', async () => {
    jest.spyOn(cache, 'write').mockRejectedValue(new Error('READONLY You cannot write against a read only replica.'));
    const req = requestWith(TOKEN);

    await expect(guard.canActivate(contextFor(req))).resolves.toBe(true);
    expect(req.user!.id).toBe(USER.id);
  });
});

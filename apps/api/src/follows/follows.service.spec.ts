import { BadRequestException, Logger, NotFoundException } from '@nestjs/common';
import { CACHE_NAMESPACE, MemoryCache } from '@darkroom/cache';
import type { FollowsRepository, UserEntity, UsersRepository } from '@darkroom/database';
import type { AuthenticatedUser } from '../auth/auth.decorators';
import { FollowsService } from './follows.service';

const ADA = { id: '00000000-0000-4000-8000-00000000000a', handle: 'ada_l' } as AuthenticatedUser;
const BOB = { id: '00000000-0000-4000-8000-00000000000b', handle: 'bob_b' } as UserEntity;

describe('FollowsService', () => {
  let cache: MemoryCache;
  let follows: { follow: jest.Mock; unfollow: jest.Mock; listFollowers: jest.Mock; listFollowing: jest.Mock };
  let findByHandle: jest.Mock<Promise<UserEntity | null>, [string]>;
  let service: FollowsService;

  /** Puts a value in every cache entry a follow between ADA and BOB must drop. */
  async function primeCaches(): Promise<void> {
    for (const [ns, id] of [
      [CACHE_NAMESPACE.profile, ADA.id],
      [CACHE_NAMESPACE.profile, BOB.id],
      [CACHE_NAMESPACE.feed, ADA.id],
      [CACHE_NAMESPACE.feed, BOB.id],
    ] as const) {
      await cache.getOrLoad(ns, id, async () => 'cached');
    }
  }

  const cached = async (ns: string, id: string) => (await cache.read(ns, id)).value;

  beforeEach(() => {
    cache = new MemoryCache();
    follows = {
      follow: jest.fn().mockResolvedValue(true),
      unfollow: jest.fn().mockResolvedValue(true),
      listFollowers: jest.fn().mockResolvedValue({ items: [], nextCursor: null }),
      listFollowing: jest.fn().mockResolvedValue({ items: [], nextCursor: null }),
    };
    findByHandle = jest.fn(async (handle: string) => (handle === BOB.handle ? BOB : null));
    service = new FollowsService(follows as unknown as FollowsRepository, { findByHandle } as unknown as UsersRepository, cache);
  });

  afterEach(() => jest.restoreAllMocks());

  it.each(['follow', 'unfollow'] as const)('%s: changes the row and drops both profiles and the follower’s feed, not the followee’s', async (action) => {
    await primeCaches();

    await service[action](ADA, BOB.handle);

    expect(follows[action]).toHaveBeenCalledWith(ADA.id, BOB.id);
    expect(await cached(CACHE_NAMESPACE.profile, ADA.id)).toBeUndefined();
    expect(await cached(CACHE_NAMESPACE.profile, BOB.id)).toBeUndefined();
    expect(await cached(CACHE_NAMESPACE.feed, ADA.id)).toBeUndefined();
    expect(await cached(CACHE_NAMESPACE.feed, BOB.id)).toBe('cached');
  });

  it.each(['follow', 'unfollow'] as const)('%s: a repeat that changes no row still invalidates (a retry repairs a failed invalidation)', async (action) => {
    follows[action].mockResolvedValue(false);
    await primeCaches();

    await expect(service[action](ADA, BOB.handle)).resolves.toBeUndefined();

    expect(await cached(CACHE_NAMESPACE.profile, BOB.id)).toBeUndefined();
    expect(await cached(CACHE_NAMESPACE.feed, ADA.id)).toBeUndefined();
  });

  it.each(['follow', 'unfollow'] as const)('%s: refuses the caller’s own handle with a 400, touching nothing', async (action) => {
    const error = await service[action](ADA, ADA.handle).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as Error).message).toBe('you cannot follow or unfollow yourself');
    expect(follows[action]).not.toHaveBeenCalled();
  });

  it.each(['follow', 'unfollow'] as const)('%s: an unknown handle is a 404 naming it', async (action) => {
    const error = await service[action](ADA, 'nobody_here').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as Error).message).toBe('user "nobody_here" not found');
    expect(follows[action]).not.toHaveBeenCalled();
  });

  it('answers the follow even when the cache cannot be invalidated, and logs why', async () => {
    jest.spyOn(cache, 'invalidate').mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    await expect(service.follow(ADA, BOB.handle)).resolves.toBeUndefined();

    expect(follows.follow).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ followerId: ADA.id, followeeId: BOB.id }), expect.stringMatching(/invalidation/));
  });

  it('lists followers and following of the user behind a handle, 20 by default', async () => {
    await service.followers(BOB.handle, undefined);
    await service.following(BOB.handle, undefined, 5);

    expect(follows.listFollowers).toHaveBeenCalledWith(BOB.id, null, 20);
    expect(follows.listFollowing).toHaveBeenCalledWith(BOB.id, null, 5);
  });

  it('refuses a tampered cursor with a 400 before looking the user up, and an unknown user with a 404', async () => {
    await expect(service.followers(BOB.handle, 'not a cursor!')).rejects.toBeInstanceOf(BadRequestException);
    expect(findByHandle).not.toHaveBeenCalled();
    await expect(service.following('nobody_here', undefined)).rejects.toThrow('user "nobody_here" not found');
  });
});

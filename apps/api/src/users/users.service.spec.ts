import { NotFoundException } from '@nestjs/common';
import { CACHE_NAMESPACE, MemoryCache } from '@darkroom/cache';
import type { FollowsRepository, NotificationsRepository, ProfileCounts, UserEntity, UsersRepository } from '@darkroom/database';
import type { WebhooksService } from '../webhooks/webhooks.service';
import { UsersService } from './users.service';

const BOB = {
  id: '00000000-0000-4000-8000-00000000000b',
  handle: 'bob_b',
  displayName: 'Bob',
  createdAt: new Date('2025-03-14T15:09:26.535Z'),
} as UserEntity;
const ADA_ID = '00000000-0000-4000-8000-00000000000a';
const CAROL_ID = '00000000-0000-4000-8000-00000000000c';

describe('UsersService.profile', () => {
  let cache: MemoryCache;
  let counts: ProfileCounts;
  let profileCounts: jest.Mock<Promise<ProfileCounts>, [string]>;
  let isFollowing: jest.Mock<Promise<boolean>, [string, string]>;
  let service: UsersService;

  beforeEach(() => {
    cache = new MemoryCache();
    counts = { followers: 3, following: 1, uploads: 7 };
    profileCounts = jest.fn(async (_userId: string) => ({ ...counts }));
    isFollowing = jest.fn(async (follower: string, _followee: string) => follower === ADA_ID);
    const users = { findByHandle: async (handle: string) => (handle === BOB.handle ? BOB : null), profileCounts } as unknown as UsersRepository;
    service = new UsersService(users, { isFollowing } as unknown as FollowsRepository, cache, {} as NotificationsRepository, {} as WebhooksService);
  });

  it('answers the user, the counts and whether the caller follows them', async () => {
    expect(await service.profile(BOB.handle, ADA_ID)).toEqual({
      id: BOB.id,
      handle: 'bob_b',
      displayName: 'Bob',
      createdAt: BOB.createdAt,
      followers: 3,
      following: 1,
      uploads: 7,
      followedByMe: true,
    });
    expect(isFollowing).toHaveBeenCalledWith(ADA_ID, BOB.id);
  });

  it('counts once for every viewer, but asks whether each viewer follows', async () => {
    const forAda = await service.profile(BOB.handle, ADA_ID);
    const forCarol = await service.profile(BOB.handle, CAROL_ID);

    expect(profileCounts).toHaveBeenCalledTimes(1);
    expect(isFollowing).toHaveBeenCalledTimes(2);
    expect(forAda.followedByMe).toBe(true);
    expect(forCarol.followedByMe).toBe(false);
    expect(forCarol.followers).toBe(3);
  });

  it('counts again after the profile entry is invalidated', async () => {
    await service.profile(BOB.handle, ADA_ID);
    counts = { followers: 4, following: 1, uploads: 7 };

    expect((await service.profile(BOB.handle, ADA_ID)).followers).toBe(3); // cached
    await cache.invalidate(CACHE_NAMESPACE.profile, [BOB.id]);
    expect((await service.profile(BOB.handle, ADA_ID)).followers).toBe(4);
  });

  it('says a user does not follow themself without asking Postgres', async () => {
    expect((await service.profile(BOB.handle, BOB.id)).followedByMe).toBe(false);
    expect(isFollowing).not.toHaveBeenCalled();
  });

  it('is a 404 naming an unknown handle', async () => {
    const error = await service.profile('nobody_here', ADA_ID).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as Error).message).toBe('user "nobody_here" not found');
  });
});

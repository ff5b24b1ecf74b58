import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import { Cache, CACHE_NAMESPACE } from '@darkroom/cache';
import { FollowsRepository, UserEntity, UsersRepository } from '@darkroom/database';
import type { AuthenticatedUser } from '../auth/auth.decorators';
import { parseCursorParam } from '../http/page-cursor';
import { userNotFound } from '../users/users.service';
import { FollowListPageDto } from './dto/follow.dto';

@Injectable()
export class FollowsService {
  private readonly logger = new Logger(FollowsService.name);

  constructor(
    private readonly follows: FollowsRepository,
    private readonly users: UsersRepository,
    private readonly cache: Cache,
  ) {}

  async follow(follower: AuthenticatedUser, handle: string): Promise<void> {
    const followee = await this.other(follower, handle);
    await this.follows.follow(follower.id, followee.id);
    await this.invalidate(follower.id, followee.id);
  }

  async unfollow(follower: AuthenticatedUser, handle: string): Promise<void> {
    const followee = await this.other(follower, handle);
    await this.follows.unfollow(follower.id, followee.id);
    await this.invalidate(follower.id, followee.id);
  }

  async followers(handle: string, cursor: string | undefined, limit = 20): Promise<FollowListPageDto> {
    const after = parseCursorParam(cursor);
    const user = await this.existing(handle);
    return this.follows.listFollowers(user.id, after, limit);
  }

  async following(handle: string, cursor: string | undefined, limit = 20): Promise<FollowListPageDto> {
    const after = parseCursorParam(cursor);
    const user = await this.existing(handle);
    return this.follows.listFollowing(user.id, after, limit);
  }

  /** The user at the other end of a follow: someone else, and someone who exists. */
  private async other(caller: AuthenticatedUser, handle: string): Promise<UserEntity> {
    if (handle === caller.handle) throw new BadRequestException('you cannot follow or unfollow yourself');
    return this.existing(handle);
  }

  private async existing(handle: string): Promise<UserEntity> {
    const user = await this.users.findByHandle(handle);
    if (!user) throw userNotFound(handle);
    return user;
  }

  /**
   * Both profiles' counts and the follower's first feed page change with a follow. Invalidated on every
   * call, changed row or not: a repeated PUT/DELETE (a client's retry) then also repairs an invalidation
   * that failed the first time. A failure here is logged, not answered with an error: the follow is
   * committed, and an entry that survives a Redis outage is gone within CACHE_TTL_SECONDS.
   */
  private async invalidate(followerId: string, followeeId: string): Promise<void> {
    try {
      await Promise.all([
        this.cache.invalidate(CACHE_NAMESPACE.profile, [followerId, followeeId]),
        this.cache.invalidate(CACHE_NAMESPACE.feed, [followerId]),
      ]);
    } catch (error) {
      this.logger.warn({ err: error, followerId, followeeId }, 'cache invalidation after a follow change failed; entries expire with CACHE_TTL_SECONDS');
    }
  }
}

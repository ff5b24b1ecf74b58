import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { Cache, CACHE_NAMESPACE } from '@darkroom/cache';
import { FollowsRepository, NotificationsRepository, ProfileCounts, UsersRepository } from '@darkroom/database';
import { hashApiToken, newApiToken } from '../auth/api-token';
import type { AuthenticatedUser } from '../auth/auth.decorators';
import { view, WebhooksService } from '../webhooks/webhooks.service';
import { CreatedUserDto, CreateUserDto, MeDto } from './dto/create-user.dto';
import { ProfileDto } from './dto/profile.dto';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly follows: FollowsRepository,
    private readonly cache: Cache,
    private readonly notifications: NotificationsRepository,
    private readonly webhooks: WebhooksService,
  ) {}

  async register(input: CreateUserDto): Promise<CreatedUserDto> {
    const token = newApiToken();
    // A webhookUrl registers the user's first endpoint, for every kind, checked as POST /v1/webhooks checks it.
    const firstWebhook = input.webhookUrl === undefined ? undefined : await this.webhooks.newEndpoint(input.webhookUrl, undefined);
    const created = await this.users.create(
      { handle: input.handle, displayName: input.displayName ?? null, email: input.email ?? null, apiTokenHash: hashApiToken(token) },
      firstWebhook,
    );
    if (!created) throw new ConflictException(`handle "${input.handle}" is taken`);
    const { user, webhook } = created;
    return { id: user.id, handle: user.handle, token, ...(webhook && { webhook: { ...view(webhook), secret: firstWebhook!.secret } }) };
  }

  async describe(user: AuthenticatedUser): Promise<MeDto> {
    return {
      id: user.id,
      handle: user.handle,
      displayName: user.displayName,
      email: user.email,
      createdAt: user.createdAt,
      unreadNotifications: await this.notifications.countUnread(user.id),
    };
  }

  /**
   * The counts are the same for every viewer, so they are cached per user (namespace `profile`, invalidated
   * by follow/unfollow and by the owner's uploads being done or deleted). Whether the caller follows them
   * differs per viewer: a primary-key lookup each time, cheaper than a cache entry per (viewer, user) pair.
   */
  async profile(handle: string, viewerId: string): Promise<ProfileDto> {
    const user = await this.users.findByHandle(handle);
    if (!user) throw userNotFound(handle);
    const [counts, followedByMe] = await Promise.all([
      this.cache.getOrLoad<ProfileCounts>(CACHE_NAMESPACE.profile, user.id, () => this.users.profileCounts(user.id)),
      user.id === viewerId ? false : this.follows.isFollowing(viewerId, user.id),
    ]);
    return {
      id: user.id,
      handle: user.handle,
      displayName: user.displayName,
      createdAt: user.createdAt,
      followers: counts.followers,
      following: counts.following,
      uploads: counts.uploads,
      followedByMe,
    };
  }
}

export function userNotFound(handle: string): NotFoundException {
  return new NotFoundException(`user "${handle}" not found`);
}

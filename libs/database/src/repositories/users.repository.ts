import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { UserEntity } from '../entities';
import { type NewWebhookEndpoint, type WebhookEndpoint, WebhookEndpointsRepository } from './webhook-endpoints.repository';

export interface NewUser {
  handle: string;
  displayName: string | null;
  email: string | null;
  apiTokenHash: string;
}

/** What a profile counts; cached per user (namespace `profile`), so it may be a few queries' worth. */
export interface ProfileCounts {
  followers: number;
  following: number;
  /** Done uploads only: queued, processing and failed ones are nobody else's business. */
  uploads: number;
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class UsersRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Returns null when the handle is taken (the unique index decides, so two racing sign-ups cannot both win).
   * A first webhook endpoint given at sign-up is recorded in the same transaction: both, or neither.
   */
  async create(user: NewUser, firstWebhook?: NewWebhookEndpoint): Promise<{ user: UserEntity; webhook?: WebhookEndpoint } | null> {
    try {
      return await this.db.transaction(async (tx) => {
        const created = await tx.getRepository(UserEntity).save(tx.getRepository(UserEntity).create(user));
        const webhook = firstWebhook ? await WebhookEndpointsRepository.insert(tx, created.id, firstWebhook) : undefined;
        return { user: created, webhook };
      });
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
        return null;
      }
      throw error;
    }
  }

  findByTokenHash(apiTokenHash: string): Promise<UserEntity | null> {
    return this.db.getRepository(UserEntity).findOneBy({ apiTokenHash });
  }

  findByHandle(handle: string): Promise<UserEntity | null> {
    return this.db.getRepository(UserEntity).findOneBy({ handle });
  }

  /** Three index-backed counts (follows by either column, the partial index of done uploads) in one round trip. */
  async profileCounts(userId: string): Promise<ProfileCounts> {
    const [row]: Array<{ followers: string; following: string; uploads: string }> = await this.db.query(
      `SELECT (SELECT count(*) FROM follows WHERE followee_id = $1) AS followers,
              (SELECT count(*) FROM follows WHERE follower_id = $1) AS following,
              (SELECT count(*) FROM uploads WHERE owner_id = $1 AND status = 'done') AS uploads`,
      [userId],
    );
    return { followers: Number(row!.followers), following: Number(row!.following), uploads: Number(row!.uploads) };
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.db.getRepository(UserEntity).findOneBy({ id });
  }
}

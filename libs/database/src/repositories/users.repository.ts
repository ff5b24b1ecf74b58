import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { UserEntity } from '../entities';

export interface NewUser {
  handle: string;
  displayName: string | null;
  email: string | null;
  webhookUrl: string | null;
  apiTokenHash: string;
}

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class UsersRepository {
  constructor(private readonly db: DataSource) {}

  /** Returns null when the handle is taken (the unique index decides, so two racing sign-ups cannot both win). */
  async create(user: NewUser): Promise<UserEntity | null> {
    try {
      return await this.db.getRepository(UserEntity).save(this.db.getRepository(UserEntity).create(user));
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

  findById(id: string): Promise<UserEntity | null> {
    return this.db.getRepository(UserEntity).findOneBy({ id });
  }
}

import { ConflictException, Injectable } from '@nestjs/common';
import { NotificationsRepository, UserEntity, UsersRepository } from '@darkroom/database';
import { hashApiToken, newApiToken } from '../auth/api-token';
import { CreatedUserDto, CreateUserDto, MeDto } from './dto/create-user.dto';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly notifications: NotificationsRepository,
  ) {}

  async register(input: CreateUserDto): Promise<CreatedUserDto> {
    const token = newApiToken();
    const user = await this.users.create({
      handle: input.handle,
      displayName: input.displayName ?? null,
      email: input.email ?? null,
      webhookUrl: input.webhookUrl ?? null,
      apiTokenHash: hashApiToken(token),
    });
    if (!user) throw new ConflictException(`handle "${input.handle}" is taken`);
    return { id: user.id, handle: user.handle, token };
  }

  async describe(user: UserEntity): Promise<MeDto> {
    return {
      id: user.id,
      handle: user.handle,
      displayName: user.displayName,
      email: user.email,
      webhookUrl: user.webhookUrl,
      createdAt: user.createdAt,
      unreadNotifications: await this.notifications.countUnread(user.id),
    };
  }
}

import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

@Module({ imports: [WebhooksModule], controllers: [UsersController], providers: [UsersService] })
export class UsersModule {}

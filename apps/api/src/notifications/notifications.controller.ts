import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { UserEntity } from '@darkroom/database';
import { CurrentUser } from '../auth/auth.decorators';
import { MarkReadDto, NotificationPageDto, NotificationQueryDto, UnreadCountDto } from './dto/notification.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('v1/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOkResponse({ type: NotificationPageDto })
  list(@CurrentUser() user: UserEntity, @Query() query: NotificationQueryDto): Promise<NotificationPageDto> {
    return this.notifications.list(user.id, { unreadOnly: query.unread === 'true', cursor: query.cursor, limit: query.limit });
  }

  @Get('unread-count')
  @ApiOkResponse({ type: UnreadCountDto })
  unreadCount(@CurrentUser() user: UserEntity): Promise<UnreadCountDto> {
    return this.notifications.unreadCount(user.id);
  }

  @Post('read')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'the given (or all) unread notifications of the caller are read now' })
  markManyRead(@CurrentUser() user: UserEntity, @Body() body: MarkReadDto): Promise<void> {
    return this.notifications.markManyRead(user.id, body);
  }

  @Post(':id/read')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'read (a notification read before keeps its first read time)' })
  @ApiNotFoundResponse({ description: 'no such notification of the caller' })
  markRead(@CurrentUser() user: UserEntity, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.notifications.markRead(user.id, id);
  }
}

import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiProduces,
  ApiQuery,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { UserEntity } from '@darkroom/database';
import { CurrentUser, Public } from '../auth/auth.decorators';
import { MarkReadDto, NotificationPageDto, NotificationQueryDto, StreamQueryDto, StreamTicketDto, UnreadCountDto } from './dto/notification.dto';
import { NotificationStreamService } from './notification-stream.service';
import { NotificationsService } from './notifications.service';
import { SseResponse } from './sse-response';
import { StreamAuthGuard } from './stream-auth.guard';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('v1/notifications')
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly streams: NotificationStreamService,
  ) {}

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

  @Post('tickets')
  @HttpCode(201)
  @ApiCreatedResponse({ type: StreamTicketDto, description: 'a single-use ticket for GET /v1/notifications/stream?ticket=' })
  ticket(@CurrentUser() user: UserEntity): Promise<StreamTicketDto> {
    return this.streams.issueTicket(user.id);
  }

  @Public() // StreamAuthGuard takes a bearer header or a ticket
  @UseGuards(StreamAuthGuard)
  @Get('stream')
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'ticket', required: false })
  @ApiOkResponse({ description: 'Server-Sent Events: `event: notification`, `id:` = notification id, data = a GET /v1/notifications item; `: ping` heartbeats' })
  @ApiUnauthorizedResponse({ description: 'no credential, or a bad, used or expired ticket' })
  @ApiTooManyRequestsResponse({ description: 'the caller has STREAM_MAX_PER_USER streams open already' })
  stream(
    @CurrentUser() user: UserEntity,
    @Query() query: StreamQueryDto,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    return this.streams.open(user.id, lastEventId ?? query.lastEventId, new SseResponse(res));
  }
}

import { Module } from '@nestjs/common';
import { LiveNotificationSubscriber } from '@darkroom/messaging';
import { NotificationStreamService, notificationStreamsGauge } from './notification-stream.service';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';
import { StreamAuthGuard } from './stream-auth.guard';
import { StreamRedis } from './stream-redis';
import { StreamSlots } from './stream-slots';
import { StreamTickets } from './stream-tickets';

@Module({
  controllers: [NotificationsController],
  providers: [
    NotificationsService,
    NotificationStreamService,
    notificationStreamsGauge,
    LiveNotificationSubscriber,
    StreamRedis,
    StreamSlots,
    StreamTickets,
    StreamAuthGuard,
  ],
})
export class NotificationsModule {}

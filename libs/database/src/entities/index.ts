import { FollowEntity } from './follow.entity';
import { NotificationEntity } from './notification.entity';
import { OutboxEntity } from './outbox.entity';
import { ThumbnailEntity } from './thumbnail.entity';
import { UploadEntity } from './upload.entity';
import { UserEntity } from './user.entity';

export { FollowEntity, NotificationEntity, OutboxEntity, ThumbnailEntity, UploadEntity, UserEntity };
export type { UploadStatus } from './upload.entity';
export type { NotificationKind, UploadNotificationKind } from './notification.entity';

export const ENTITIES = [UserEntity, FollowEntity, UploadEntity, ThumbnailEntity, NotificationEntity, OutboxEntity];

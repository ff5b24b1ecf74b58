import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The kinds about an upload: what webhook endpoints and preferences are set for. */
export type UploadNotificationKind = 'upload.processed' | 'upload.failed' | 'followee.posted';
/** webhook.disabled tells a user darkroom stopped sending to one of their endpoints (it has no upload). */
export type NotificationKind = UploadNotificationKind | 'webhook.disabled';

@Entity('notifications')
export class NotificationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  kind: NotificationKind;

  @Column({ name: 'upload_id', type: 'uuid', nullable: true })
  uploadId: string | null;

  @Column({ name: 'actor_id', type: 'uuid' })
  actorId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'read_at', type: 'timestamptz', nullable: true })
  readAt: Date | null;
}

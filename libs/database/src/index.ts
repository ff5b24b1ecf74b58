export * from './entities';
export { DatabaseModule } from './database.module';
export { dataSourceOptions, MIGRATIONS } from './data-source-options';
export { runMigrations } from './migrate';
export { decodeCursor, encodeCursor, InvalidCursorError, type Keyset } from './keyset-cursor';
export { UsersRepository, type NewUser } from './repositories/users.repository';
export { UploadsRepository, type NewUpload, type NewThumbnail, type OutboxEvent } from './repositories/uploads.repository';
export { NotificationsRepository, type NotificationView } from './repositories/notifications.repository';
export { OutboxRepository, type OutboxRow } from './repositories/outbox.repository';

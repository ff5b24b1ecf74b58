/** The channels a notification reaches a person on; each can be turned off per kind (muted_notifications). */
export type NotificationChannel = 'in_app' | 'stream' | 'webhook' | 'email';

/**
 * SQL true when `userSql` has not turned `channel` off for `kindSql`: a primary-key probe, so it can sit inside
 * a fan-out page's one statement or a list query without a query of its own.
 */
export function notMuted(userSql: string, channel: NotificationChannel, kindSql: string): string {
  return `NOT EXISTS (SELECT 1 FROM muted_notifications m WHERE m.user_id = ${userSql} AND m.channel = '${channel}' AND m.kind = ${kindSql})`;
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { UploadNotificationKind } from '../entities';
import type { NotificationChannel } from './muted';

export interface ChannelKind {
  channel: NotificationChannel;
  kind: UploadNotificationKind;
}

/** Which channel and kind pairs a user turned off (muted_notifications); every other pair is on. */
@Injectable()
export class PreferencesRepository {
  constructor(private readonly db: DataSource) {}

  mutedOf(userId: string): Promise<ChannelKind[]> {
    return this.db.query(`SELECT channel, kind FROM muted_notifications WHERE user_id = $1`, [userId]);
  }

  /** Turns pairs off and on in one transaction; turning off what is off, or on what is on, changes nothing. */
  async set(userId: string, off: ChannelKind[], on: ChannelKind[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (off.length > 0) {
        await tx.query(
          // a user deleted meanwhile (an old unsubscribe link) has nothing to turn off
          `INSERT INTO muted_notifications (user_id, channel, kind) SELECT $1, c, k FROM unnest($2::text[], $3::text[]) AS t(c, k)
            WHERE EXISTS (SELECT 1 FROM users WHERE id = $1) ON CONFLICT DO NOTHING`,
          [userId, off.map((p) => p.channel), off.map((p) => p.kind)],
        );
      }
      if (on.length > 0) {
        await tx.query(`DELETE FROM muted_notifications m USING unnest($2::text[], $3::text[]) AS t(c, k) WHERE m.user_id = $1 AND m.channel = t.c AND m.kind = t.k`, [
          userId,
          on.map((p) => p.channel),
          on.map((p) => p.kind),
        ]);
      }
    });
  }
}

import { Injectable } from '@nestjs/common';
import { type ChannelKind, type NotificationChannel, PreferencesRepository } from '@darkroom/database';
import type { AuthenticatedUser } from '../auth/auth.decorators';
import { NOTIFICATION_KINDS } from '../webhooks/dto/webhook.dto';
import { PreferencesDto } from './dto/preferences.dto';

/** The API's names for the channels, and the database's. */
const CHANNELS: Record<'inApp' | 'stream' | 'webhook' | 'email', NotificationChannel> = { inApp: 'in_app', stream: 'stream', webhook: 'webhook', email: 'email' };

type Complete = Required<{ [C in keyof typeof CHANNELS]: Required<NonNullable<PreferencesDto[C]>> }>;

@Injectable()
export class PreferencesService {
  constructor(private readonly preferences: PreferencesRepository) {}

  /** Every channel and kind, true unless turned off. */
  async get(user: AuthenticatedUser): Promise<Complete> {
    const muted = new Set((await this.preferences.mutedOf(user.id)).map((p) => `${p.channel} ${p.kind}`));
    const switches = (channel: NotificationChannel) => Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, !muted.has(`${channel} ${kind}`)]));
    return Object.fromEntries(Object.entries(CHANNELS).map(([name, channel]) => [name, switches(channel)])) as Complete;
  }

  async update(user: AuthenticatedUser, changes: PreferencesDto): Promise<Complete> {
    const off: ChannelKind[] = [];
    const on: ChannelKind[] = [];
    for (const [name, channel] of Object.entries(CHANNELS) as Array<[keyof typeof CHANNELS, NotificationChannel]>) {
      for (const kind of NOTIFICATION_KINDS) {
        const value = changes[name]?.[kind];
        if (value !== undefined) (value ? on : off).push({ channel, kind });
      }
    }
    await this.preferences.set(user.id, off, on);
    return this.get(user);
  }
}

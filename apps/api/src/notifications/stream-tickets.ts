import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@darkroom/config';
import { StreamRedis } from './stream-redis';

/** 32 random bytes in base64url. */
const TICKET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** What the tickets need of Redis (ioredis' client has it; a spec passes a Map-backed fake). */
export interface TicketStore {
  set(key: string, value: string, mode: 'EX', seconds: number): Promise<unknown>;
  getdel(key: string): Promise<string | null>;
}

/**
 * Single-use, short-lived credentials for GET /v1/notifications/stream: a
 * browser's EventSource cannot send an Authorization header, and a bearer
 * token in a URL would end up in access logs and history. A ticket is 256
 * random bits, stored only as its SHA-256 (like API tokens), and redeemed
 * with GETDEL so two requests can never both use one.
 */
@Injectable()
export class StreamTickets {
  private readonly store: TicketStore;
  private readonly prefix: string;
  private readonly ttlSeconds: number;

  constructor(redis: StreamRedis, config: AppConfig) {
    this.store = redis.client;
    this.prefix = `${config.redis.prefix}:stream-ticket:`;
    this.ttlSeconds = config.stream.ticketTtlSeconds;
  }

  async issue(userId: string, now = Date.now()): Promise<{ ticket: string; expiresAt: Date }> {
    const ticket = randomBytes(32).toString('base64url');
    await this.store.set(this.key(ticket), userId, 'EX', this.ttlSeconds);
    return { ticket, expiresAt: new Date(now + this.ttlSeconds * 1000) };
  }

  /** The user the ticket was issued to, or null when it is malformed, unknown, used or expired. Consumes it. */
  async redeem(ticket: unknown): Promise<string | null> {
    if (typeof ticket !== 'string' || !TICKET_PATTERN.test(ticket)) return null;
    return this.store.getdel(this.key(ticket));
  }

  private key(ticket: string): string {
    return this.prefix + createHash('sha256').update(ticket).digest('hex');
  }
}

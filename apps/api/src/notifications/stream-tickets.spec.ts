import { createHash } from 'node:crypto';
import type { AppConfig } from '@darkroom/config';
import type { StreamRedis } from './stream-redis';
import { StreamTickets, type TicketStore } from './stream-tickets';

const USER = '3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const config = { redis: { prefix: 'dr-spec' }, stream: { ticketTtlSeconds: 60 } } as AppConfig;

/** Redis SET … EX and GETDEL over a Map. */
class MapStore implements TicketStore {
  readonly entries = new Map<string, { value: string; ttl: number }>();
  async set(key: string, value: string, _mode: 'EX', seconds: number) {
    this.entries.set(key, { value, ttl: seconds });
    return 'OK';
  }
  async getdel(key: string) {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry?.value ?? null;
  }
}

describe('StreamTickets', () => {
  let store: MapStore;
  let tickets: StreamTickets;

  beforeEach(() => {
    store = new MapStore();
    tickets = new StreamTickets({ client: store } as unknown as StreamRedis, config);
  });

  it('issues 256 random bits that expire after the configured ttl, stored only as their SHA-256', async () => {
    const now = Date.UTC(2025, 2, 14, 12);
    const { ticket, expiresAt } = await tickets.issue(USER, now);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(ticket, 'base64url')).toHaveLength(32);
    expect(expiresAt).toEqual(new Date(now + 60_000));
    const hash = createHash('sha256').update(ticket).digest('hex');
    expect([...store.entries]).toEqual([[`dr-spec:stream-ticket:${hash}`, { value: USER, ttl: 60 }]]);
    expect((await tickets.issue(USER)).ticket).not.toBe(ticket);
  });

  it('redeems a ticket once', async () => {
    const { ticket } = await tickets.issue(USER);
    expect(await tickets.redeem(ticket)).toBe(USER);
    expect(await tickets.redeem(ticket)).toBeNull();
  });

  it.each([
    ['unknown', 'A'.repeat(43)],
    ['too short', 'abc'],
    ['not base64url', `${'A'.repeat(42)}=`],
    ['not a string', ['A'.repeat(43)]],
    ['absent', undefined],
  ])('finds no user for a ticket that is %s', async (_label, ticket) => {
    await tickets.issue(USER);
    expect(await tickets.redeem(ticket)).toBeNull();
    expect(store.entries.size).toBe(1);
  });
});

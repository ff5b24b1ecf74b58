import { randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';

const ALL_KINDS = ['upload.processed', 'upload.failed', 'followee.posted'];

/**
 * Webhook endpoints, several per user, each with its own kinds and signing secret, and a delivery log with one
 * row per notification and destination. The users' own webhook_url (one URL, no secret ever issued) becomes
 * each such user's first endpoint; the `deliveries` table of the initial schema was never written to.
 */
export class Webhooks1768000000000 implements MigrationInterface {
  name = 'Webhooks1768000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        url text NOT NULL,
        kinds text[] NOT NULL CHECK (kinds <@ ARRAY['upload.processed', 'upload.failed', 'followee.posted'] AND cardinality(kinds) > 0),
        -- Standard Webhooks secret (whsec_ + base64); it signs, so it is kept, not hashed
        secret text NOT NULL,
        -- after a rotation the previous secret also signs until previous_secret_until, so receivers can switch
        previous_secret text,
        previous_secret_until timestamptz,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        consecutive_failures int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
      )`);
    await db.query(`CREATE INDEX webhook_endpoints_user_idx ON webhook_endpoints (user_id, created_at)`);
    const users: Array<{ id: string; webhook_url: string }> = await db.query(`SELECT id, webhook_url FROM users WHERE webhook_url IS NOT NULL`);
    for (const user of users) {
      await db.query(`INSERT INTO webhook_endpoints (user_id, url, kinds, secret) VALUES ($1, $2, $3, $4)`, [user.id, user.webhook_url, ALL_KINDS, newWebhookSecret()]);
    }
    await db.query(`ALTER TABLE users DROP COLUMN webhook_url, DROP COLUMN webhook_secret`);
    await db.query(`DROP TABLE deliveries`);
    await db.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        notification_id uuid NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN ('webhook', 'email')),
        endpoint_id uuid REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        last_status_code int,
        last_error text,
        -- when the next attempt is due; the notifier's dispatcher claims due rows with a lease (claimed_until)
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        CHECK ((channel = 'webhook') = (endpoint_id IS NOT NULL)),
        UNIQUE NULLS NOT DISTINCT (notification_id, channel, endpoint_id)
      )`);
    await db.query(`CREATE INDEX deliveries_endpoint_idx ON deliveries (endpoint_id, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS deliveries`);
    await db.query(`
      CREATE TABLE deliveries (
        notification_id uuid NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN ('webhook', 'email')),
        status text NOT NULL,
        attempts int NOT NULL DEFAULT 0,
        last_error text,
        PRIMARY KEY (notification_id, channel)
      )`);
    await db.query(`ALTER TABLE users ADD COLUMN webhook_url text, ADD COLUMN webhook_secret text`);
    // each user's oldest endpoint goes back to users.webhook_url; the rest have nowhere to go
    await db.query(`
      UPDATE users u SET webhook_url = e.url
        FROM (SELECT DISTINCT ON (user_id) user_id, url FROM webhook_endpoints ORDER BY user_id, created_at) e
       WHERE u.id = e.user_id`);
    await db.query(`DROP TABLE IF EXISTS webhook_endpoints`);
  }
}

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64 (the format its libraries read). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

import { Client } from 'pg';
import { bearer, createUser, eventually, upload, url, waitForUpload, type UserSession } from './support/api-client';
import { readState } from './support/e2e-env';
import { smallJpeg } from './support/photos';
import { openStream } from './support/sse-client';
import { startReceiver } from './support/webhook-receiver';

/** Preferences per channel and kind, and a fan-out that honours them for every follower. */
describe('notification preferences', () => {
  let db: Client;
  const closers: Array<() => unknown> = [];
  let seq = 0;

  beforeAll(async () => {
    db = new Client({ connectionString: readState().databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    for (const close of closers) await close();
    await db.end();
  });

  const send = async (method: string, path: string, session: UserSession, body?: unknown) => {
    const response = await fetch(url(path), { method, headers: { ...bearer(session), 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const ALL_ON = { 'upload.processed': true, 'upload.failed': true, 'followee.posted': true };
  const post = async (owner: UserSession) => {
    const id = await upload(owner, { data: await smallJpeg(700 + seq++), name: 'pref.jpg', type: 'image/jpeg' });
    expect((await waitForUpload(owner, id)).status).toBe('done');
    return id;
  };
  const follow = async (fan: UserSession, owner: UserSession) => expect((await send('PUT', `/v1/users/${owner.handle}/follow`, fan)).status).toBe(204);

  it('has every channel and kind on by default, and changes only what a PUT names', async () => {
    const ada = await createUser('pref_ada');

    expect(await send('GET', '/v1/me/preferences', ada)).toEqual({ status: 200, body: { inApp: ALL_ON, stream: ALL_ON, webhook: ALL_ON, email: ALL_ON } });
    const changed = await send('PUT', '/v1/me/preferences', ada, { email: { 'followee.posted': false }, webhook: { 'upload.failed': false } });
    expect(changed).toEqual({ status: 200, body: { inApp: ALL_ON, stream: ALL_ON, webhook: { ...ALL_ON, 'upload.failed': false }, email: { ...ALL_ON, 'followee.posted': false } } });
    const back = await send('PUT', '/v1/me/preferences', ada, { email: { 'followee.posted': true } });
    expect(back.body).toEqual({ inApp: ALL_ON, stream: ALL_ON, webhook: { ...ALL_ON, 'upload.failed': false }, email: ALL_ON });
  });

  it.each([
    ['an unknown channel', { sms: { 'upload.failed': false } }, 'property sms should not exist'],
    ['an unknown kind', { email: { 'upload.deleted': false } }, 'email.property upload.deleted should not exist'],
    ['a value that is not a boolean', { stream: { 'upload.failed': 'no' } }, 'stream.upload.failed must be a boolean value'],
  ])('refuses %s with a 400 naming it', async (_case, body, message) => {
    const bob = await createUser(`pref_bob${seq++}`);

    const response = await send('PUT', '/v1/me/preferences', bob, body);

    expect(response.status).toBe(400);
    expect(response.body.message).toEqual(expect.arrayContaining([message]));
  });

  it('leaves out a follower who turned webhooks and the in-app list off, and reaches the one who did not', async () => {
    const [owner, quiet, keen] = await Promise.all([createUser('pref_own'), createUser('pref_quiet'), createUser('pref_keen')]);
    const [quietHooks, keenHooks] = await Promise.all([startReceiver(), startReceiver()]);
    closers.push(quietHooks.close, keenHooks.close);
    const quietEndpoint = (await send('POST', '/v1/webhooks', quiet, { url: quietHooks.url })).body as { id: string };
    await send('POST', '/v1/webhooks', keen, { url: keenHooks.url });
    await Promise.all([follow(quiet, owner), follow(keen, owner)]);
    expect((await send('PUT', '/v1/me/preferences', quiet, { webhook: { 'followee.posted': false }, inApp: { 'followee.posted': false } })).status).toBe(200);

    const uploadId = await post(owner);

    await eventually('the keen follower to get the webhook', async () => keenHooks.received.length, (n) => n === 1, 30_000);
    // both were notified (the row is what every channel hangs off); only the quiet one's channels stayed silent
    const rows = (await db.query(`SELECT user_id FROM notifications WHERE upload_id = $1 AND kind = 'followee.posted'`, [uploadId])).rows.map((r: { user_id: string }) => r.user_id);
    expect(new Set(rows)).toEqual(new Set([quiet.id, keen.id]));
    expect((await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE endpoint_id = $1`, [quietEndpoint.id])).rows).toEqual([{ n: 0 }]);
    expect(quietHooks.received).toHaveLength(0);
    expect((await send('GET', '/v1/notifications', quiet)).body.items).toEqual([]);
    expect((await send('GET', '/v1/notifications/unread-count', quiet)).body).toEqual({ unread: 0 });
    expect((await send('GET', '/v1/notifications', keen)).body.items).toEqual([expect.objectContaining({ kind: 'followee.posted', uploadId })]);
  });

  it('keeps the live stream quiet for a kind turned off there, and still pushes the others', async () => {
    const [owner, fan] = await Promise.all([createUser('pref_s_own'), createUser('pref_s_fan')]);
    await follow(fan, owner);
    await send('PUT', '/v1/me/preferences', fan, { stream: { 'followee.posted': false } });
    const stream = await openStream(url('/v1/notifications/stream'), bearer(fan));
    closers.push(() => stream.close());
    expect(stream.status).toBe(200);

    const ownerUpload = await post(owner);
    await eventually('the follower to be notified', async () => (await db.query(`SELECT count(*)::int AS n FROM notifications WHERE upload_id = $1 AND user_id = $2`, [ownerUpload, fan.id])).rows[0].n, (n) => n === 1, 30_000);
    // a marker the stream does take: the fan's own upload.processed, recorded after the muted one
    const own = await post(fan);
    await stream.waitFor((s) => s.events.some((e) => e.event === 'notification'), 30_000);

    const pushed = stream.events.filter((e) => e.event === 'notification').map((e) => JSON.parse(e.data) as { kind: string; uploadId: string });
    expect(pushed).toEqual([expect.objectContaining({ kind: 'upload.processed', uploadId: own })]);
    // still in the list: only the stream was turned off
    expect((await send('GET', '/v1/notifications', fan)).body.items.map((n: { kind: string }) => n.kind).sort()).toEqual(['followee.posted', 'upload.processed']);
  });
});

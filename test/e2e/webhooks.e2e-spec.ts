import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import { bearer, createUser, eventually, upload, url, waitForUpload, type UserSession } from './support/api-client';
import { type AppProcess, ENTRY, spawnApp, stopApp, waitUntilReady } from './support/app-process';
import { readState } from './support/e2e-env';
import { freePort } from './support/late-proxy';
import { smallJpeg } from './support/photos';
import { type Behaviour, startReceiver } from './support/webhook-receiver';

/**
 * Registering webhook endpoints: the secret shown once, rotation, someone else's id, and the destinations
 * darkroom refuses (this machine, private networks, cloud metadata) unless WEBHOOK_ALLOWED_HOSTS lists them.
 * Nothing here makes a request to a receiver: a refused URL is refused before any connection, and the
 * accepted ones point at this machine or at a documentation name that is never called.
 */
describe('webhook endpoints', () => {
  let ada: UserSession;
  let bob: UserSession;
  let strictApi: { app: AppProcess; url: string };
  let db: Client;

  const call = async (method: string, path: string, session: UserSession | null, body?: unknown, base = url('')) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(session ? bearer(session) : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown> & Array<Record<string, unknown>>) : null };
  };

  beforeAll(async () => {
    const state = readState();
    [ada, bob] = await Promise.all([createUser('wh_ada'), createUser('wh_bob')]);
    // The stack's apps allow receivers on this machine (E2E_WEBHOOK_ENV); this api of the suite's own allows none, as production would.
    const port = await freePort();
    const app = spawnApp('webhooks-strict-api', ENTRY.api, { ...state.appEnv, API_PORT: String(port), WEBHOOK_ALLOWED_HOSTS: '' }, state.logsDir);
    strictApi = { app, url: `http://127.0.0.1:${port}` };
    db = new Client({ connectionString: state.databaseUrl });
    await Promise.all([waitUntilReady(app, `${strictApi.url}/health/ready`), db.connect()]);
  });

  afterAll(async () => {
    await Promise.all([strictApi && stopApp(strictApi.app.child), db?.end()]);
  });

  it('registers an endpoint, shows its secret once, and lists it without', async () => {
    const created = await call('POST', '/v1/webhooks', ada, { url: 'http://127.0.0.1:9/ada', kinds: ['followee.posted'] });

    expect(created).toEqual({
      status: 201,
      body: { id: expect.any(String), url: 'http://127.0.0.1:9/ada', kinds: ['followee.posted'], enabled: true, disabledReason: null, createdAt: expect.any(String), secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/) },
    });
    const { secret, ...shown } = created.body!;
    expect(await call('GET', '/v1/webhooks', ada)).toEqual({ status: 200, body: [shown] });
    expect(await call('GET', `/v1/webhooks/${String(shown.id)}`, ada)).toEqual({ status: 200, body: shown });
    expect(JSON.stringify(await call('GET', '/v1/webhooks', ada))).not.toContain(String(secret));
  });

  it('takes every kind when none are named', async () => {
    const created = await call('POST', '/v1/webhooks', ada, { url: 'http://localhost:9/all' });

    expect(created.status).toBe(201);
    expect(created.body!.kinds).toEqual(['upload.processed', 'upload.failed', 'followee.posted']);
  });

  it('rotates the secret: a new one, and the previous one signs alongside it for a day', async () => {
    const { body: endpoint } = await call('POST', '/v1/webhooks', ada, { url: 'http://[::1]:9/rotate' });
    const before = Date.now();

    const rotated = await call('POST', `/v1/webhooks/${String(endpoint!.id)}/secret`, ada);

    expect(rotated).toEqual({ status: 200, body: { secret: expect.stringMatching(/^whsec_/), previousSecretValidUntil: expect.any(String) } });
    expect(rotated.body!.secret).not.toBe(endpoint!.secret);
    expect(Date.parse(String(rotated.body!.previousSecretValidUntil)) - before).toBeGreaterThanOrEqual(24 * 3600_000 - 60_000);
    const [row] = (await db.query(`SELECT secret, previous_secret FROM webhook_endpoints WHERE id = $1`, [endpoint!.id])).rows;
    expect(row).toEqual({ secret: rotated.body!.secret, previous_secret: endpoint!.secret });
  });

  it("answers 404 for someone else's endpoint, for every verb, and changes nothing", async () => {
    const { body: endpoint } = await call('POST', '/v1/webhooks', ada, { url: 'http://127.0.0.1:9/private' });
    const id = String(endpoint!.id);

    for (const [method, path] of [['GET', `/v1/webhooks/${id}`], ['DELETE', `/v1/webhooks/${id}`], ['POST', `/v1/webhooks/${id}/secret`]] as const) {
      expect(await call(method, path, bob)).toEqual({ status: 404, body: { statusCode: 404, error: 'Not Found', message: `webhook ${id} not found` } });
    }
    expect((await call('GET', '/v1/webhooks', bob)).body).toEqual([]);
    expect((await call('GET', `/v1/webhooks/${id}`, ada)).status).toBe(200);
  });

  it('deletes an endpoint: 204, then 404', async () => {
    const { body: endpoint } = await call('POST', '/v1/webhooks', ada, { url: 'http://127.0.0.1:9/gone' });
    const id = String(endpoint!.id);

    expect(await call('DELETE', `/v1/webhooks/${id}`, ada)).toEqual({ status: 204, body: null });
    expect((await call('GET', `/v1/webhooks/${id}`, ada)).status).toBe(404);
    expect((await call('DELETE', `/v1/webhooks/${id}`, ada)).status).toBe(404);
  });

  it.each([
    ['http://127.0.0.1:8080/hook', 'url host 127.0.0.1 is in a loopback range'],
    ['http://localhost:8080/hook', 'url host "localhost" is this machine (loopback)'],
    ['http://[::1]:8080/hook', 'url host ::1 is in a loopback range'],
    ['http://[::ffff:127.0.0.1]/hook', 'url host 127.0.0.1 is in a loopback range'],
    ['http://169.254.169.254/latest/meta-data/', 'url host 169.254.169.254 is in a link-local (cloud metadata lives here) range'],
    ['http://10.0.0.8/hook', 'url host 10.0.0.8 is in a private range'],
    ['http://[fd00::1]/hook', 'url host fd00::1 is in a private (unique-local) range'],
    ['ftp://example.org/hook', 'url must start with http:// or https://'],
    ['https://user:pw@example.org/hook', 'url must not carry a user name or password (the signature authenticates darkroom)'],
    ['not a url', 'url must be an absolute http:// or https:// URL'],
  ])('refuses %s with a 400 that says why, and records nothing (an api without WEBHOOK_ALLOWED_HOSTS)', async (target, message) => {
    const [{ n: before }] = (await db.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE user_id = $1`, [bob.id])).rows;

    expect(await call('POST', '/v1/webhooks', bob, { url: target }, strictApi.url)).toEqual({ status: 400, body: { statusCode: 400, error: 'Bad Request', message } });
    const [{ n: after }] = (await db.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE user_id = $1`, [bob.id])).rows;
    expect(after).toBe(before);
  });

  it("allows only the hosts WEBHOOK_ALLOWED_HOSTS lists: 127.0.0.2 stays refused on the stack's api, which lists 127.0.0.1", async () => {
    expect(await call('POST', '/v1/webhooks', bob, { url: 'http://127.0.0.2/hook' })).toMatchObject({ status: 400, body: { message: 'url host 127.0.0.2 is in a loopback range' } });
  });

  it.each([
    ['no kinds', { url: 'https://example.org/h', kinds: [] }, 'kinds must contain at least 1 elements'],
    ['an unknown kind', { url: 'https://example.org/h', kinds: ['upload.deleted'] }, 'each of kinds must be one of upload.processed, upload.failed, followee.posted'],
    ['a kind twice', { url: 'https://example.org/h', kinds: ['upload.failed', 'upload.failed'] }, "All kinds's elements must be unique"],
    ['a 2,020-character url', { url: `https://example.org/${'a'.repeat(2000)}` }, 'url must be shorter than or equal to 2000 characters'],
    ['no url', {}, 'url must be a string'],
  ])('refuses a body with %s, naming the problem', async (_case, body, message) => {
    const response = await call('POST', '/v1/webhooks', bob, body);

    expect(response.status).toBe(400);
    expect(response.body!.message).toEqual(expect.arrayContaining([message]));
  });

  it('answers 400 for a malformed id and 401 without a token', async () => {
    expect((await call('GET', '/v1/webhooks/not-a-uuid', ada)).status).toBe(400);
    expect((await call('GET', '/v1/webhooks', null)).status).toBe(401);
    expect((await call('POST', '/v1/webhooks', null, { url: 'https://example.org/h' })).status).toBe(401);
  });

  it('registers the webhookUrl of a sign-up as the first endpoint, for every kind, with its secret in the answer', async () => {
    const handle = `wh_new_${readState().runId}`.slice(0, 30);
    const signUp = await fetch(url('/v1/users'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle, webhookUrl: 'http://127.0.0.1:9/first' }) });
    const user = (await signUp.json()) as UserSession & { webhook: Record<string, unknown> };

    expect(signUp.status).toBe(201);
    expect(user.webhook).toEqual({ id: expect.any(String), url: 'http://127.0.0.1:9/first', kinds: ['upload.processed', 'upload.failed', 'followee.posted'], enabled: true, disabledReason: null, createdAt: expect.any(String), secret: expect.stringMatching(/^whsec_/) });
    const { secret: _secret, ...shown } = user.webhook;
    expect(await call('GET', '/v1/webhooks', user)).toEqual({ status: 200, body: [shown] });
  });

  it('refuses a sign-up whose webhookUrl points at this machine, and creates no user', async () => {
    const handle = `wh_bad_${readState().runId}`.slice(0, 30);
    const signUp = await fetch(`${strictApi.url}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle, webhookUrl: 'http://localhost/hook' }) });

    expect(signUp.status).toBe(400);
    expect(await signUp.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'url host "localhost" is this machine (loopback)' });
    expect((await db.query(`SELECT count(*)::int AS n FROM users WHERE handle = $1`, [handle])).rows).toEqual([{ n: 0 }]);
  });

  it('keeps a user to 10 endpoints: the 11th is a 409', async () => {
    const carol = await createUser('wh_carol');
    const register = () => call('POST', '/v1/webhooks', carol, { url: 'http://127.0.0.1:9/many' });
    const answers = await Promise.all(Array.from({ length: 12 }, register));

    expect(answers.filter((a) => a.status === 201)).toHaveLength(10);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body!.message)).toEqual([
      'you have 10 webhook endpoints, the most there can be; delete one first',
      'you have 10 webhook endpoints, the most there can be; delete one first',
    ]);
  });
});

/**
 * Deliveries to receivers started here, through the stack's notifier (E2E_WEBHOOK_ENV: three attempts 300 ms
 * apart, 2 s to answer). Each test has users of its own, so what a receiver gets is only its own.
 */
describe('webhook deliveries', () => {
  let db: Client;
  const receivers: Array<Awaited<ReturnType<typeof startReceiver>>> = [];
  let seq = 0;

  beforeAll(async () => {
    db = new Client({ connectionString: readState().databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    await db.end();
  });

  const receiver = async (behaviour?: Behaviour) => {
    const r = await startReceiver(behaviour);
    receivers.push(r);
    return r;
  };
  const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const registerEndpoint = async (session: UserSession, target: string, kinds?: string[]) => {
    const response = await fetch(url('/v1/webhooks'), { ...json({ url: target, kinds }), headers: { ...bearer(session), 'content-type': 'application/json' } });
    if (response.status !== 201) throw new Error(`POST /v1/webhooks → ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string; secret: string };
  };
  const follow = async (follower: UserSession, followee: UserSession) => {
    const response = await fetch(url(`/v1/users/${followee.handle}/follow`), { method: 'PUT', headers: bearer(follower) });
    expect(response.status).toBe(204);
  };
  const post = async (owner: UserSession) => {
    const id = await upload(owner, { data: await smallJpeg(900 + seq++), name: 'hook.jpg', type: 'image/jpeg' });
    expect((await waitForUpload(owner, id)).status).toBe('done');
    return id;
  };
  type DeliveryRow = { status: string; attempts: number; last_status_code: number | null; last_error: string | null };
  const deliveriesOf = async (endpointId: string): Promise<DeliveryRow[]> =>
    (await db.query(`SELECT status, attempts, last_status_code, last_error FROM deliveries WHERE endpoint_id = $1 ORDER BY created_at`, [endpointId])).rows;
  const settled = (endpointId: string, count: number) =>
    eventually(`${count} deliveries of ${endpointId} to finish`, () => deliveriesOf(endpointId), (rows) => rows.length === count && rows.every((r) => r.status !== 'pending'), 30_000);

  it('POSTs each notification once, signed the Standard Webhooks way, with the notification as GET /v1/notifications lists it', async () => {
    const [owner, fan] = await Promise.all([createUser('whd_own'), createUser('whd_fan')]);
    const [ownerHooks, fanHooks] = await Promise.all([receiver(), receiver()]);
    const ownerEndpoint = await registerEndpoint(owner, ownerHooks.url, ['upload.processed']);
    const fanEndpoint = await registerEndpoint(fan, fanHooks.url);
    await follow(fan, owner);

    const uploadId = await post(owner);

    const [ownerRows, fanRows] = await Promise.all([settled(ownerEndpoint.id, 1), settled(fanEndpoint.id, 1)]);
    expect(ownerRows).toEqual([{ status: 'delivered', attempts: 1, last_status_code: 204, last_error: null }]);
    expect(fanRows).toEqual([{ status: 'delivered', attempts: 1, last_status_code: 204, last_error: null }]);
    expect(ownerHooks.received).toHaveLength(1);
    expect(fanHooks.received).toHaveLength(1);

    const [fanNotification] = ((await (await fetch(url('/v1/notifications'), { headers: bearer(fan) })).json()) as { items: unknown[] }).items;
    const hook = fanHooks.received[0]!;
    const verified = new Webhook(fanEndpoint.secret).verify(hook.body, hook.headers as Record<string, string>);
    expect(verified).toEqual({ type: 'followee.posted', timestamp: (fanNotification as { createdAt: string }).createdAt, data: fanNotification });
    expect(hook.headers['content-type']).toBe('application/json');
    expect(() => new Webhook(ownerEndpoint.secret).verify(hook.body, hook.headers as Record<string, string>)).toThrow();
    const ownerEvent = new Webhook(ownerEndpoint.secret).verify(ownerHooks.received[0]!.body, ownerHooks.received[0]!.headers as Record<string, string>) as { type: string; data: { uploadId: string } };
    expect(ownerEvent).toMatchObject({ type: 'upload.processed', data: { uploadId } });
  });

  it('sends only the kinds an endpoint takes', async () => {
    const owner = await createUser('whd_kinds');
    const hooks = await receiver();
    const endpoint = await registerEndpoint(owner, hooks.url, ['upload.failed']);
    const other = await registerEndpoint(owner, hooks.url, ['upload.processed']);

    await post(owner);

    await settled(other.id, 1);
    expect(await deliveriesOf(endpoint.id)).toEqual([]);
    expect(hooks.received).toHaveLength(1);
  });

  it('tries again after a 500: answered 500 twice, delivered at the third attempt, with one webhook-id throughout', async () => {
    const owner = await createUser('whd_retry');
    const hooks = await receiver((n) => (n < 2 ? 500 : 200));
    const endpoint = await registerEndpoint(owner, hooks.url);

    await post(owner);

    expect(await settled(endpoint.id, 1)).toEqual([{ status: 'delivered', attempts: 3, last_status_code: 200, last_error: null }]);
    expect(hooks.received).toHaveLength(3);
    expect(new Set(hooks.received.map((h) => h.headers['webhook-id'])).size).toBe(1);
    for (const h of hooks.received) expect(() => new Webhook(endpoint.secret).verify(h.body, h.headers as Record<string, string>)).not.toThrow();
    // the schedule's waits (300 ms) lie between the attempts
    expect(hooks.received[1]!.at - hooks.received[0]!.at).toBeGreaterThanOrEqual(250);
  });

  it('gives up on a receiver that never answers after the schedule, and another receiver is not held up meanwhile', async () => {
    const [owner, deadFan, liveFan] = await Promise.all([createUser('whd_dead_own'), createUser('whd_dead'), createUser('whd_live')]);
    const [dead, live] = await Promise.all([receiver(() => 'hang'), receiver()]);
    const deadEndpoint = await registerEndpoint(deadFan, dead.url);
    const liveEndpoint = await registerEndpoint(liveFan, live.url);
    await Promise.all([follow(deadFan, owner), follow(liveFan, owner)]);

    await post(owner);

    // the live receiver has its POST while the dead one still holds its first request, unanswered
    await eventually('the live receiver to get its POST', async () => live.received.length, (n) => n === 1, 30_000);
    expect(dead.openHanging()).toBeGreaterThanOrEqual(1);
    expect(await settled(liveEndpoint.id, 1)).toEqual([{ status: 'delivered', attempts: 1, last_status_code: 204, last_error: null }]);

    expect(await settled(deadEndpoint.id, 1)).toEqual([{ status: 'failed', attempts: 3, last_status_code: null, last_error: 'no answer within 2000 ms' }]);
    expect(dead.received).toHaveLength(3);
  });

  it('shows the delivery log, and re-sends a delivery with the same webhook-id', async () => {
    const owner = await createUser('whd_log');
    const hooks = await receiver((n) => (n === 0 ? 410 : 204));
    const endpoint = await registerEndpoint(owner, hooks.url);
    await post(owner);
    await settled(endpoint.id, 1);

    const log = await fetch(url(`/v1/webhooks/${endpoint.id}/deliveries`), { headers: bearer(owner) });
    expect(log.status).toBe(200);
    const { items, nextCursor } = (await log.json()) as { items: Array<Record<string, unknown>>; nextCursor: string | null };
    // 410 is not a 2xx: tried again (204), so delivered at the second attempt
    expect(items).toEqual([
      { id: hooks.received[0]!.headers['webhook-id'], notificationId: expect.any(String), kind: 'upload.processed', status: 'delivered', attempts: 2, lastStatusCode: 204, lastError: null, nextAttemptAt: null, deliveredAt: expect.any(String), createdAt: expect.any(String) },
    ]);
    expect(nextCursor).toBeNull();

    const resent = await fetch(url(`/v1/webhooks/${endpoint.id}/deliveries/${String(items[0]!.id)}/resend`), { method: 'POST', headers: bearer(owner) });
    expect(resent.status).toBe(202);
    await eventually('the re-sent POST', async () => hooks.received.length, (n) => n === 3, 30_000);
    expect(hooks.received[2]!.headers['webhook-id']).toBe(items[0]!.id);
    expect(await settled(endpoint.id, 1)).toEqual([{ status: 'delivered', attempts: 1, last_status_code: 204, last_error: null }]);

    const stranger = await createUser('whd_stranger');
    expect((await fetch(url(`/v1/webhooks/${endpoint.id}/deliveries`), { headers: bearer(stranger) })).status).toBe(404);
    expect((await fetch(url(`/v1/webhooks/${endpoint.id}/deliveries/${String(items[0]!.id)}/resend`), { method: 'POST', headers: bearer(stranger) })).status).toBe(404);
  });

  it('disables an endpoint whose last deliveries all failed every attempt (WEBHOOK_DISABLE_AFTER=3)', async () => {
    const owner = await createUser('whd_off');
    const hooks = await receiver(() => 503);
    const endpoint = await registerEndpoint(owner, hooks.url);

    for (let i = 0; i < 3; i++) await post(owner);

    await eventually(
      'the endpoint to be disabled',
      async () => (await (await fetch(url(`/v1/webhooks/${endpoint.id}`), { headers: bearer(owner) })).json()) as { enabled: boolean; disabledReason: string | null },
      (e) => !e.enabled,
      60_000,
    ).then((e) => expect(e.disabledReason).toBe('the last 3 deliveries failed every attempt (last: answered 503)'));
    // the owner is told, in the app like any notification (it is about an endpoint: no upload)
    const notices = ((await (await fetch(url('/v1/notifications'), { headers: bearer(owner) })).json()) as { items: Array<{ kind: string; uploadId: string | null }> }).items.filter((n) => n.kind === 'webhook.disabled');
    expect(notices).toEqual([expect.objectContaining({ kind: 'webhook.disabled', uploadId: null, actor: { handle: owner.handle }, readAt: null })]);
    await post(owner);
    // nothing more is recorded for a disabled endpoint
    expect((await deliveriesOf(endpoint.id)).map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
  });
});

import { Client } from 'pg';
import { bearer, createUser, url, type UserSession } from './support/api-client';
import { type AppProcess, ENTRY, spawnApp, stopApp, waitUntilReady } from './support/app-process';
import { readState } from './support/e2e-env';
import { freePort } from './support/late-proxy';

/**
 * Registering webhook endpoints: the secret shown once, rotation, someone else's id, and the destinations
 * darkroom refuses (this machine, private networks, cloud metadata) unless WEBHOOK_ALLOWED_HOSTS lists them.
 * Nothing here makes a request to a receiver: a refused URL is refused before any connection, and the
 * accepted ones point at this machine or at a documentation name that is never called.
 */
describe('webhook endpoints', () => {
  let ada: UserSession;
  let bob: UserSession;
  let allowingApi: { app: AppProcess; url: string };
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
    // An api of this suite's own that lets webhooks go to this machine, as the delivery tests' receivers need.
    const port = await freePort();
    const app = spawnApp('webhooks-api', ENTRY.api, { ...state.appEnv, API_PORT: String(port), WEBHOOK_ALLOWED_HOSTS: '127.0.0.1, localhost, [::1]' }, state.logsDir);
    allowingApi = { app, url: `http://127.0.0.1:${port}` };
    db = new Client({ connectionString: state.databaseUrl });
    await Promise.all([waitUntilReady(app, `${allowingApi.url}/health/ready`), db.connect()]);
  });

  afterAll(async () => {
    await Promise.all([allowingApi && stopApp(allowingApi.app.child), db?.end()]);
  });

  it('registers an endpoint, shows its secret once, and lists it without', async () => {
    const created = await call('POST', '/v1/webhooks', ada, { url: 'http://127.0.0.1:9/ada', kinds: ['followee.posted'] }, allowingApi.url);

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
    const created = await call('POST', '/v1/webhooks', ada, { url: 'http://localhost:9/all' }, allowingApi.url);

    expect(created.status).toBe(201);
    expect(created.body!.kinds).toEqual(['upload.processed', 'upload.failed', 'followee.posted']);
  });

  it('rotates the secret: a new one, and the previous one signs alongside it for a day', async () => {
    const { body: endpoint } = await call('POST', '/v1/webhooks', ada, { url: 'http://[::1]:9/rotate' }, allowingApi.url);
    const before = Date.now();

    const rotated = await call('POST', `/v1/webhooks/${String(endpoint!.id)}/secret`, ada);

    expect(rotated).toEqual({ status: 200, body: { secret: expect.stringMatching(/^whsec_/), previousSecretValidUntil: expect.any(String) } });
    expect(rotated.body!.secret).not.toBe(endpoint!.secret);
    expect(Date.parse(String(rotated.body!.previousSecretValidUntil)) - before).toBeGreaterThanOrEqual(24 * 3600_000 - 60_000);
    const [row] = (await db.query(`SELECT secret, previous_secret FROM webhook_endpoints WHERE id = $1`, [endpoint!.id])).rows;
    expect(row).toEqual({ secret: rotated.body!.secret, previous_secret: endpoint!.secret });
  });

  it("answers 404 for someone else's endpoint, for every verb, and changes nothing", async () => {
    const { body: endpoint } = await call('POST', '/v1/webhooks', ada, { url: 'http://127.0.0.1:9/private' }, allowingApi.url);
    const id = String(endpoint!.id);

    for (const [method, path] of [['GET', `/v1/webhooks/${id}`], ['DELETE', `/v1/webhooks/${id}`], ['POST', `/v1/webhooks/${id}/secret`]] as const) {
      expect(await call(method, path, bob)).toEqual({ status: 404, body: { statusCode: 404, error: 'Not Found', message: `webhook ${id} not found` } });
    }
    expect((await call('GET', '/v1/webhooks', bob)).body).toEqual([]);
    expect((await call('GET', `/v1/webhooks/${id}`, ada)).status).toBe(200);
  });

  it('deletes an endpoint: 204, then 404', async () => {
    const { body: endpoint } = await call('POST', '/v1/webhooks', ada, { url: 'http://127.0.0.1:9/gone' }, allowingApi.url);
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
  ])('refuses %s with a 400 that says why, and records nothing', async (target, message) => {
    const [{ n: before }] = (await db.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE user_id = $1`, [bob.id])).rows;

    expect(await call('POST', '/v1/webhooks', bob, { url: target })).toEqual({ status: 400, body: { statusCode: 400, error: 'Bad Request', message } });
    const [{ n: after }] = (await db.query(`SELECT count(*)::int AS n FROM webhook_endpoints WHERE user_id = $1`, [bob.id])).rows;
    expect(after).toBe(before);
  });

  it('allows only the hosts WEBHOOK_ALLOWED_HOSTS lists: 127.0.0.2 stays refused on the allowing api', async () => {
    expect(await call('POST', '/v1/webhooks', bob, { url: 'http://127.0.0.2/hook' }, allowingApi.url)).toMatchObject({ status: 400, body: { message: 'url host 127.0.0.2 is in a loopback range' } });
  });

  it.each([
    [{ url: 'https://example.org/h', kinds: [] }, 'kinds must contain at least 1 elements'],
    [{ url: 'https://example.org/h', kinds: ['upload.deleted'] }, 'each of kinds must be one of upload.processed, upload.failed, followee.posted'],
    [{ url: 'https://example.org/h', kinds: ['upload.failed', 'upload.failed'] }, "All kinds's elements must be unique"],
    [{ url: `https://example.org/${'a'.repeat(2000)}` }, 'url must be shorter than or equal to 2000 characters'],
    [{}, 'url must be a string'],
  ])('refuses a malformed body %j', async (body, message) => {
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
    const signUp = await fetch(`${allowingApi.url}/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle, webhookUrl: 'http://127.0.0.1:9/first' }) });
    const user = (await signUp.json()) as UserSession & { webhook: Record<string, unknown> };

    expect(signUp.status).toBe(201);
    expect(user.webhook).toEqual({ id: expect.any(String), url: 'http://127.0.0.1:9/first', kinds: ['upload.processed', 'upload.failed', 'followee.posted'], enabled: true, disabledReason: null, createdAt: expect.any(String), secret: expect.stringMatching(/^whsec_/) });
    const { secret: _secret, ...shown } = user.webhook;
    expect(await call('GET', '/v1/webhooks', user)).toEqual({ status: 200, body: [shown] });
  });

  it('refuses a sign-up whose webhookUrl points at this machine, and creates no user', async () => {
    const handle = `wh_bad_${readState().runId}`.slice(0, 30);
    const signUp = await fetch(url('/v1/users'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handle, webhookUrl: 'http://localhost/hook' }) });

    expect(signUp.status).toBe(400);
    expect(await signUp.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: 'url host "localhost" is this machine (loopback)' });
    expect((await db.query(`SELECT count(*)::int AS n FROM users WHERE handle = $1`, [handle])).rows).toEqual([{ n: 0 }]);
  });

  it('keeps a user to 10 endpoints: the 11th is a 409', async () => {
    const carol = await createUser('wh_carol');
    const register = () => call('POST', '/v1/webhooks', carol, { url: 'http://127.0.0.1:9/many' }, allowingApi.url);
    const answers = await Promise.all(Array.from({ length: 12 }, register));

    expect(answers.filter((a) => a.status === 201)).toHaveLength(10);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body!.message)).toEqual([
      'you have 10 webhook endpoints, the most there can be; delete one first',
      'you have 10 webhook endpoints, the most there can be; delete one first',
    ]);
  });
});

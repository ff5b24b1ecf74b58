import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { join, relative } from 'node:path';
import { Redis } from 'ioredis';
import { bearer, createUser, eventually, UserSession } from './support/api-client';
import { AppProcess, ENTRY, spawnApp, stopApp, waitUntilReady } from './support/app-process';
import { readState } from './support/e2e-env';
import { logLinesIn } from './support/inspect';
import { freePort } from './support/late-proxy';
import { smallJpeg } from './support/photos';
import { openStream } from './support/sse-client';

/**
 * Two apis of this suite's own, sharing one Redis prefix and one photo volume, with small
 * limits and short timeouts. Their prefix is not the stack's, so the other suites' sign-ups
 * from 127.0.0.1 (on the stack's api) never count against these limits.
 */
const SIGNUP_LIMIT = 3;
const UPLOAD_LIMIT = 2;
const WINDOW_SECONDS = 60;
const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 3000;
const BODY_IDLE_TIMEOUT_MS = 1000;

interface RawExchange {
  /** Everything the server sent before it closed the connection. */
  received: string;
  /** ms from the first byte written to the connection's close. */
  elapsedMs: number;
}

describe('rate limits and slow clients', () => {
  const apis: Array<{ app: AppProcess; url: string; port: number }> = [];
  let prefix: string;
  let storageDir: string;
  let uploader: UserSession;

  beforeAll(async () => {
    const state = readState();
    prefix = `${state.redisPrefix}-limits`;
    storageDir = join(state.runDir, 'limits-data');
    mkdirSync(storageDir, { recursive: true });
    for (const name of ['limits-api-a', 'limits-api-b']) {
      const port = await freePort();
      const app = spawnApp(
        name,
        ENTRY.api,
        {
          ...state.appEnv,
          API_PORT: String(port),
          REDIS_PREFIX: prefix,
          STORAGE_DIR: storageDir,
          SIGNUP_RATE_LIMIT: String(SIGNUP_LIMIT),
          SIGNUP_RATE_WINDOW_SECONDS: String(WINDOW_SECONDS),
          UPLOAD_RATE_LIMIT: String(UPLOAD_LIMIT),
          UPLOAD_RATE_WINDOW_SECONDS: String(WINDOW_SECONDS),
          HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
          HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
          HTTP_BODY_IDLE_TIMEOUT_MS: String(BODY_IDLE_TIMEOUT_MS),
          STREAM_HEARTBEAT_MS: '1000',
        },
        state.logsDir,
      );
      apis.push({ app, url: `http://127.0.0.1:${port}`, port });
    }
    await Promise.all(apis.map(({ app, url }) => waitUntilReady(app, `${url}/health/ready`)));
    // signed up on the stack's api, which has no small limit
    uploader = await createUser('limits_up');
  });

  afterAll(async () => {
    await Promise.all(apis.map(({ app }) => stopApp(app.child)));
    const redis = new Redis(readState().redisUrl);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
    rmSync(storageDir, { recursive: true, force: true });
  });

  const [a, b] = [0, 1].map((i) => () => apis[i]!);

  const handleOf = (n: number) => `lim${n}_${readState().runId}`.slice(0, 30);
  const signUp = (base: string, n: number) =>
    fetch(`${base}/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: handleOf(n), displayName: 'limits' }),
    });

  const uploadTo = async (base: string, session: UserSession, seed: number) => {
    const form = new FormData();
    form.append('file', new Blob([await smallJpeg(seed)], { type: 'image/jpeg' }), `limit-${seed}.jpg`);
    return fetch(`${base}/v1/uploads`, { method: 'POST', headers: bearer(session), body: form });
  };

  async function expectTooMany(response: Response, what: RegExp): Promise<void> {
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.stringMatching(what) });
    expect(body.message).toContain(`try again in ${retryAfter} s`);
  }

  /** Files on this suite's photo volume, temp files included. */
  const storedFiles = (): string[] => {
    const walk = (dir: string): string[] =>
      existsSync(dir) ? readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [relative(storageDir, join(dir, name))])) : [];
    return walk(storageDir);
  };

  /** Writes `head` on a raw connection, then `more` (if given) as it likes; resolves when the server closes it. */
  function rawExchange(port: number, head: string | Buffer, more?: (socket: Socket) => void): Promise<RawExchange> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      let started = 0;
      socket.on('data', (chunk) => (received += chunk.toString('latin1')));
      socket.on('error', () => undefined); // a reset is a close too; 'close' follows
      socket.once('connect', () => {
        started = Date.now();
        socket.write(head);
        more?.(socket);
      });
      socket.once('close', () => resolve({ received, elapsedMs: Date.now() - started }));
      socket.setTimeout(30_000, () => {
        socket.destroy();
        reject(new Error(`the server kept the connection open for 30 s; received: ${received}`));
      });
    });
  }

  it('sign-up: the limit per address holds over both apis, then 429 with Retry-After', async () => {
    const answers: number[] = [];
    // alternating between the two processes: only a counter they share stops the 4th
    for (let n = 0; n < SIGNUP_LIMIT; n++) answers.push((await signUp((n % 2 === 0 ? a() : b()).url, n)).status);
    expect(answers).toEqual(Array(SIGNUP_LIMIT).fill(201));

    await expectTooMany(await signUp(b().url, 100), /^too many sign-ups from this address: at most 3 per 60 s/);
    await expectTooMany(await signUp(a().url, 101), /^too many sign-ups/);
    // nothing was created by the refused ones
    for (const n of [100, 101]) expect((await fetch(`${a().url}/v1/users/${handleOf(n)}`, { headers: bearer(uploader) })).status).toBe(404);
  });

  it('uploads: the limit per user holds over both apis; another user is not affected', async () => {
    expect((await uploadTo(a().url, uploader, 1)).status).toBe(202);
    expect((await uploadTo(b().url, uploader, 2)).status).toBe(202);

    await expectTooMany(await uploadTo(a().url, uploader, 3), /^too many uploads: at most 2 per 60 s/);
    await expectTooMany(await uploadTo(b().url, uploader, 4), /^too many uploads/);
    const list = (await (await fetch(`${a().url}/v1/uploads`, { headers: bearer(uploader) })).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(UPLOAD_LIMIT);

    const other = await createUser('limits_other');
    expect((await uploadTo(b().url, other, 5)).status).toBe(202);
  });

  it('a client that sends its headers too slowly gets 408 and a closed connection', async () => {
    const { received, elapsedMs } = await rawExchange(a().port, 'GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(elapsedMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    // the api is fine afterwards
    expect((await fetch(`${a().url}/health/live`)).status).toBe(200);
  });

  const multipartHead = (session: UserSession, declaredBytes: number) => {
    const boundary = 'limitsboundary';
    const partHead = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="stall.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
    const head =
      `POST /v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${session.token}\r\n` +
      `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${partHead.length + declaredBytes}\r\n\r\n${partHead}`;
    return head;
  };

  it('an upload whose body stalls half-way is cut off and leaves nothing on the volume', async () => {
    const session = await createUser('limits_stall');
    const before = storedFiles();
    let sawTemp = false;
    const { received, elapsedMs } = await rawExchange(a().port, multipartHead(session, 1_000_000), (socket) => {
      // half of the declared body, then silence
      socket.write(Buffer.alloc(500_000, 0xab));
      void eventually('the temp file of the stalled upload', async () => storedFiles().filter((f) => f.startsWith('tmp/') && !before.includes(f)), (temps) => temps.length > 0, 5000).then(
        () => (sawTemp = true),
        () => undefined,
      );
    });
    expect(sawTemp).toBe(true);
    expect(elapsedMs).toBeGreaterThanOrEqual(BODY_IDLE_TIMEOUT_MS - 50);
    expect(elapsedMs).toBeLessThan(REQUEST_TIMEOUT_MS); // the stall, not the whole-request limit, ended it
    expect(received).toBe('');
    await eventually('the temp file to be removed', async () => storedFiles().filter((f) => !before.includes(f)), (added) => added.length === 0, 10_000);
    const list = (await (await fetch(`${a().url}/v1/uploads`, { headers: bearer(session) })).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(0);
  });

  it('an upload body that trickles in (never idle) is cut at the request timeout with 408, leaving nothing', async () => {
    const session = await createUser('limits_trickle');
    const before = storedFiles();
    let timer: NodeJS.Timeout | undefined;
    const { received, elapsedMs } = await rawExchange(a().port, multipartHead(session, 1_000_000), (socket) => {
      timer = setInterval(() => socket.writable && socket.write(Buffer.alloc(100, 0xcd)), BODY_IDLE_TIMEOUT_MS / 4);
    });
    clearInterval(timer);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(elapsedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    await eventually('the temp file to be removed', async () => storedFiles().filter((f) => !before.includes(f)), (added) => added.length === 0, 10_000);
  });

  it('logs the uploads cut off above as clients gone away, not as server errors', async () => {
    const uploads = () => logLinesIn(a().app.log).filter((line) => (line.req as { url?: string } | undefined)?.url === '/v1/uploads');
    const gone = await eventually(
      'the api to note the two cut-off uploads',
      async () => uploads().filter((line) => line.msg === 'the client closed the connection before its request was answered'),
      (lines) => lines.length >= 2,
      5000,
    );
    expect(gone.every((line) => line.level === 30)).toBe(true);
    expect(uploads().filter((line) => Number(line.level) >= 50)).toEqual([]);
  });

  it('the SSE notification stream outlives the request and body timeouts', async () => {
    const session = await createUser('limits_sse');
    const stream = await openStream(`${a().url}/v1/notifications/stream`, bearer(session));
    try {
      expect(stream.status).toBe(200);
      const opened = Date.now();
      // a heartbeat a second: more than REQUEST_TIMEOUT_MS (and the checking interval) pass with the stream open
      await stream.waitFor((s) => s.comments.length >= 6 && Date.now() - opened > REQUEST_TIMEOUT_MS + 1500, 20_000);
      expect(stream.ended).toBe(false);
    } finally {
      stream.close();
    }
  });
});

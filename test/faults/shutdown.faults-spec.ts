import { randomBytes } from 'node:crypto';
import { connect, Socket } from 'node:net';
import { eventually, UserSession } from '../e2e/support/api-client';
import { FaultStack } from './support/stack';

/** What the client saw of its request: the first bytes of an answer, or how the connection ended. */
interface ClientOutcome {
  answer: string;
  closed: boolean;
  error?: string;
}

describe('the api shutting down (SIGTERM) in the middle of a large upload', () => {
  let stack: FaultStack;
  let owner: UserSession;

  beforeAll(async () => {
    stack = await FaultStack.start();
    owner = await stack.client.createUser('slow');
  }, 150_000);

  afterAll(async () => {
    await stack?.destroy();
  });

  it('answers or closes the connection, exits, and leaves nothing of the upload on the volume', async () => {
    const api = await stack.spawnApi('api-term');
    const before = stack.storedFiles();
    const port = Number(new URL(api.url).port);
    const boundary = `----faults${randomBytes(8).toString('hex')}`;
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const fileBytes = 16 * 1024 * 1024; // announced in full; only a part is ever sent
    const socket: Socket = connect(port, '127.0.0.1');
    const outcome: ClientOutcome = { answer: '', closed: false };
    socket.on('data', (chunk) => (outcome.answer += chunk.toString('latin1')));
    socket.on('error', (error) => (outcome.error = error.message));
    socket.on('close', () => (outcome.closed = true));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /v1/uploads HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${owner.token}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${head.length + fileBytes + tail.length}\r\n\r\n`,
    );
    socket.write(head);
    // A slow client: 64 KiB every 100 ms, so the whole body would take ~26 s, far past a stop's grace period
    // (compose: 10 s before SIGKILL); it goes on for as long as the connection lasts.
    const pump = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(randomBytes(64 * 1024));
    }, 100);
    try {
      await eventually('the upload to be arriving in a temp file on the volume', async () => stack.storedFiles().filter((f) => f.startsWith('tmp/')), (tmp) => tmp.length === 1, 20_000);
      const exited = new Promise<number | string | null>((resolve) => api.app.child.once('exit', (code, signal) => resolve(signal ?? code)));
      api.app.child.kill('SIGTERM');
      // Well inside compose's 10 s between SIGTERM and SIGKILL.
      let late: NodeJS.Timeout | undefined;
      const exit = await Promise.race([exited, new Promise<string>((resolve) => (late = setTimeout(() => resolve('still running 8 s after SIGTERM'), 8_000)))]);
      clearTimeout(late);
      expect(exit).toBe('SIGTERM');
      await eventually('the client to get an answer or a closed connection', async () => ({ ...outcome }), (o) => o.closed || o.answer.includes('\r\n\r\n'), 10_000);
      if (outcome.answer) expect(outcome.answer).toMatch(/^HTTP\/1\.1 (503|4\d\d) /);
    } finally {
      clearInterval(pump);
      socket.destroy();
    }
    // Nothing of it: no temp file, no original, and no row.
    expect(stack.storedFiles()).toEqual(before);
    expect(await stack.sql(`SELECT id FROM uploads WHERE owner_id = $1`, [owner.id])).toEqual([]);
    expect(stack.crashed('api-term')).toEqual([]);
  });
});

import { createServer, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Request } from 'express';
import { UploadsInFlight } from './uploads-in-flight';

describe('UploadsInFlight', () => {
  let server: Server;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('answers 503 with Connection: close to an upload still arriving, closes it, and waits until its temp file is settled', async () => {
    const inFlight = new UploadsInFlight();
    let removeTemp!: () => void;
    const settled = new Promise<void>((resolve) => (removeTemp = resolve));
    server = createServer((req, res) => {
      (req as unknown as Request).res = res as never;
      inFlight.track(req as unknown as Request, settled);
      res.on('close', () => setTimeout(removeTemp, 50)); // the engine's discard, once the connection is gone
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;

    const answer = new Promise<{ status?: number; connection?: string; error?: string }>((resolve) => {
      const client = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/uploads', headers: { 'content-length': 10_000_000 } }, (res) => {
        resolve({ status: res.statusCode, connection: res.headers.connection });
        res.resume();
      });
      client.on('error', (error) => resolve({ error: error.message }));
      client.write(Buffer.alloc(64 * 1024)); // and never the rest
    });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the request reaches the server
    expect(inFlight.size).toBe(1);

    let shutDown = false;
    const shutdown = inFlight.beforeApplicationShutdown().then(() => (shutDown = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(shutDown).toBe(false); // still waiting for the temp file
    await shutdown;
    expect(inFlight.size).toBe(0);
    expect(await answer).toEqual({ status: 503, connection: 'close' });
  });

  it('returns at once when no upload is arriving', async () => {
    await expect(new UploadsInFlight().beforeApplicationShutdown()).resolves.toBeUndefined();
  });
});

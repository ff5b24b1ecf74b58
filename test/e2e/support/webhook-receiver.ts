import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * The webhook settings of the e2e stack's apps: receivers on this machine are allowed, and the schedule is short
 * (three attempts 300 ms apart, 2 s to answer), so a given-up delivery takes seconds, not a day.
 */
export const E2E_WEBHOOK_ENV = {
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1,localhost,[::1]',
  WEBHOOK_RETRY_SCHEDULE: '300ms,300ms',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_POLL_MS: '100',
  WEBHOOK_DISABLE_AFTER: '3',
};

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What the receiver does with its n-th request (0-based): answer with a status, or never answer. */
export type Behaviour = (n: number) => number | 'hang';

/** A webhook receiver on 127.0.0.1 that records every request. */
export async function startReceiver(behaviour: Behaviour = () => 204) {
  const received: ReceivedHook[] = [];
  const hanging: ServerResponse[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const n = received.length;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const answer = behaviour(n);
      if (answer === 'hang') hanging.push(res);
      else res.writeHead(answer, { 'content-type': 'text/plain' }).end(`answer ${answer}`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    /** Requests still waiting for an answer that will not come. */
    openHanging: () => hanging.filter((res) => !res.writableEnded && !res.destroyed && !res.socket?.destroyed).length,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

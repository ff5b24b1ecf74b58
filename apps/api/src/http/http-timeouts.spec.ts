import { createServer } from 'node:http';
import { applyHttpTimeouts, checkingIntervalMs } from './http-timeouts';

describe('applyHttpTimeouts', () => {
  const http = { headersTimeoutMs: 20_000, requestTimeoutMs: 1_800_000, bodyIdleTimeoutMs: 60_000, keepAliveTimeoutMs: 5000 };

  it('sets the server timeouts and a checking interval that cuts close to them', () => {
    const server = createServer();
    applyHttpTimeouts(server, http);
    expect({ headers: server.headersTimeout, request: server.requestTimeout, keepAlive: server.keepAliveTimeout }).toEqual({ headers: 20_000, request: 1_800_000, keepAlive: 5000 });
    expect((server as unknown as { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBe(1000);
  });

  it('checks a quarter of the shortest timeout, between 100 ms and 1 s', () => {
    expect(checkingIntervalMs({ ...http, headersTimeoutMs: 1000, requestTimeoutMs: 3000 })).toBe(250);
    expect(checkingIntervalMs({ ...http, headersTimeoutMs: 200, requestTimeoutMs: 3000 })).toBe(100);
  });
});

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AppConfig } from '@darkroom/config';

/**
 * Against slow clients (slowloris and friends), before the server listens:
 *   - headersTimeout: the request line and headers must arrive within this; else 408 and closed.
 *   - requestTimeout: the whole request, body included, must arrive within this; else 408 and closed.
 *     Only the *request* is timed: once it is in, a long answer (the SSE notification
 *     stream, a big original) is not cut. Generous by default: a 50 MB upload on a slow link.
 *   - keepAliveTimeout: an idle kept-alive connection is closed after this (Node's 5 s by default).
 *     A load balancer that keeps connections to the api open must have a shorter idle timeout
 *     than this, or it may reuse one the api is closing (a 502). compose's nginx opens a new
 *     connection per request (proxy_pass to a variable, no upstream keepalive pool).
 * Node checks the first two on a timer, every connectionsCheckingInterval (30 s unless set);
 * it is read when the server starts listening, so it is set here, to a fraction of the
 * shortest timeout, for a cut that comes close to the configured time.
 */
export function applyHttpTimeouts(server: Server, http: AppConfig['http']): void {
  server.headersTimeout = http.headersTimeoutMs;
  server.requestTimeout = http.requestTimeoutMs;
  server.keepAliveTimeout = http.keepAliveTimeoutMs;
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = checkingIntervalMs(http);
}

export function checkingIntervalMs(http: AppConfig['http']): number {
  return Math.max(100, Math.min(1000, Math.floor(Math.min(http.headersTimeoutMs, http.requestTimeoutMs) / 4)));
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * A request body that stops arriving for `idleMs` (nothing read from the socket) gets its
 * connection closed: the upload's part is aborted, and multer's abort removes its temp file.
 * requestTimeout bounds the whole body; this bounds a stall, which is what a dead phone link
 * or a slowloris body looks like, long before requestTimeout. The timer runs only while a
 * body is arriving: requests without one (the SSE stream) and the answer are never timed.
 */
export function bodyIdleTimeout(idleMs: number): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, _res, next) => {
    if (!hasBody(req) || req.complete) return next();
    const socket = req.socket;
    const stalled = () => socket.destroy();
    const done = () => {
      socket.setTimeout(0);
      socket.off('timeout', stalled);
    };
    socket.setTimeout(idleMs);
    socket.on('timeout', stalled);
    req.once('end', done);
    req.once('close', done);
    next();
  };
}

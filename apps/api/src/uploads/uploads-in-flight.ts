import { BeforeApplicationShutdown, Injectable, Logger, Module } from '@nestjs/common';
import type { Request } from 'express';

/** Longest wait, on shutdown, for aborted uploads to remove their temp files. */
const SETTLE_TIMEOUT_MS = 5_000;

/**
 * The uploads whose bodies are still arriving. On shutdown (SIGTERM) they are answered 503 with
 * `Connection: close` and their connections closed: the HTTP server cannot close while a request is
 * open, and a slow client (the api allows a request 30 minutes) would otherwise keep the process
 * alive past any grace period, until a SIGKILL left its temp file on the volume. Closing the request
 * makes multer abort it, and the storage engine removes the temp file; shutdown waits for that.
 */
@Injectable()
export class UploadsInFlight implements BeforeApplicationShutdown {
  private readonly logger = new Logger(UploadsInFlight.name);
  private readonly receiving = new Map<Request, Promise<void>>();

  /** Called by the storage engine for each file it receives; `settled` resolves once its temp file is kept or gone. */
  track(req: Request, settled: Promise<void>): void {
    this.receiving.set(req, settled);
    void settled.finally(() => this.receiving.delete(req));
  }

  get size(): number {
    return this.receiving.size;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const aborted = [...this.receiving.entries()];
    if (aborted.length === 0) return;
    for (const [req] of aborted) closeWith503(req);
    this.logger.log({ uploads: aborted.length }, 'shutting down: answered 503 to the uploads still arriving and closed their connections');
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, SETTLE_TIMEOUT_MS).unref());
    await Promise.race([Promise.allSettled(aborted.map(([, settled]) => settled)), timeout]);
  }
}

function closeWith503(req: Request): void {
  const res = req.res;
  const close = (): void => void req.socket.destroy();
  if (!res || res.headersSent) return close();
  const body = JSON.stringify({ statusCode: 503, error: 'Service Unavailable', message: 'the server is shutting down; send the upload again' });
  res.once('finish', close);
  res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
  // A client that reads nothing while it sends must not hold the socket open either.
  setTimeout(close, 1_000).unref();
}

/** Imported by MulterModule's factory (the storage engine) and by UploadsModule: one instance for both. */
@Module({ providers: [UploadsInFlight], exports: [UploadsInFlight] })
export class UploadsInFlightModule {}

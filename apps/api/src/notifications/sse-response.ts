import type { Response } from 'express';

/** What a live stream writes to: the raw response in the api, a recorder in specs. */
export interface SseSink {
  /** Status and SSE headers, then `retry:`. Nothing may be written before. */
  open(retryMs: number): void;
  event(id: string | undefined, event: string, data: string): void;
  comment(text: string): void;
  /** Ends the response; close listeners run. */
  end(): void;
  /** Runs once when the response is over, whoever ended it (client, server, slow-client cut). */
  onClose(listener: () => void): void;
  readonly closed: boolean;
}

/**
 * A client that stops reading makes every write pile up in this process. Past
 * this much unsent output the stream is cut; the client reconnects with
 * Last-Event-ID and is replayed from Postgres, which costs far less than the
 * memory.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;

/**
 * Server-Sent Events written by hand on the raw response: Nest's @Sse cannot
 * send comment lines (heartbeats) or answer 401/429 after the handler has
 * started, and neither is optional here.
 */
export class SseResponse implements SseSink {
  private readonly listeners: Array<() => void> = [];
  private ended = false;

  constructor(private readonly res: Response) {
    res.once('close', () => this.finish());
  }

  get closed(): boolean {
    return this.ended;
  }

  open(retryMs: number): void {
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      // no-transform: a compressing proxy would otherwise buffer events until it has a block.
      'Cache-Control': 'no-cache, no-transform',
      // nginx buffers proxied responses unless told otherwise (the front door also sets proxy_buffering off).
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    this.write(`retry: ${retryMs}\n\n`);
  }

  event(id: string | undefined, event: string, data: string): void {
    this.write(formatEvent(id, event, data));
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  end(): void {
    if (!this.ended) this.res.end();
    this.finish();
  }

  onClose(listener: () => void): void {
    if (this.ended) listener();
    else this.listeners.push(listener);
  }

  private write(chunk: string): void {
    if (this.ended) return;
    this.res.write(chunk);
    if (this.res.writableLength > MAX_UNSENT_BYTES) {
      this.res.destroy();
      this.finish();
    }
  }

  private finish(): void {
    this.ended = true;
    for (const listener of this.listeners.splice(0)) listener();
  }
}

/** One event; a data value with line breaks becomes one `data:` line per line, as the SSE format requires. */
export function formatEvent(id: string | undefined, event: string, data: string): string {
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\n${lines.join('')}\n`;
}

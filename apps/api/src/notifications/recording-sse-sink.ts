import type { LiveNotificationV1 } from '@darkroom/contracts';
import type { SseSink } from './sse-response';

// For specs: an SseSink that keeps what a client would have received.

/** Records what the stream writes, as the parsed SSE a client would see. */
export class RecordingSseSink implements SseSink {
  readonly writes: Array<{ kind: 'open'; retryMs: number } | { kind: 'event'; id?: string; event: string; data: string } | { kind: 'comment'; text: string }> = [];
  closed = false;
  private readonly listeners: Array<() => void> = [];
  open(retryMs: number): void {
    this.writes.push({ kind: 'open', retryMs });
  }
  event(id: string | undefined, event: string, data: string): void {
    if (!this.closed) this.writes.push({ kind: 'event', id, event, data });
  }
  comment(text: string): void {
    if (!this.closed) this.writes.push({ kind: 'comment', text });
  }
  end(): void {
    this.closed = true;
    for (const listener of this.listeners.splice(0)) listener();
  }
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.listeners.push(listener);
  }
  /** The ids of the notification events sent, in order. */
  get sentIds(): string[] {
    return this.writes.flatMap((w) => (w.kind === 'event' && w.event === 'notification' ? [w.id!] : []));
  }
}

export function liveNotification(n: number): LiveNotificationV1 {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return { id, kind: 'upload.processed', uploadId: id, actor: { handle: 'ada_l' }, createdAt: new Date(Date.UTC(2025, 2, 14, 12, 0, n)).toISOString(), readAt: null };
}

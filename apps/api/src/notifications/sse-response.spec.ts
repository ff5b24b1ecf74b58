import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { formatEvent, MAX_UNSENT_BYTES, SseResponse } from './sse-response';

/** The raw response as far as SseResponse uses it. */
class FakeResponse extends EventEmitter {
  head: { status: number; headers: Record<string, string> } | undefined;
  body = '';
  writableLength = 0;
  ended = false;
  destroyed = false;
  writeHead(status: number, headers: Record<string, string>) {
    this.head = { status, headers };
    return this;
  }
  write(chunk: string) {
    this.body += chunk;
    return true;
  }
  end() {
    this.ended = true;
    this.emit('close');
  }
  destroy() {
    this.destroyed = true;
    this.emit('close');
  }
}

describe('SseResponse', () => {
  let res: FakeResponse;
  let sse: SseResponse;

  beforeEach(() => {
    res = new FakeResponse();
    sse = new SseResponse(res as unknown as Response);
  });

  it('opens with the SSE headers and a retry line, then writes events and comments in the SSE format', () => {
    sse.open(2000);
    sse.event('n-1', 'notification', '{"id":"n-1"}');
    sse.comment('ping');
    expect(res.head).toEqual({
      status: 200,
      headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' },
    });
    expect(res.body).toBe('retry: 2000\n\nid: n-1\nevent: notification\ndata: {"id":"n-1"}\n\n: ping\n\n');
  });

  it('runs its close listeners once, whether the client left or the server ended it, and writes nothing after', () => {
    const closed = jest.fn();
    sse.onClose(closed);
    res.emit('close'); // the client went away
    sse.end();
    sse.comment('ping');
    expect(closed).toHaveBeenCalledTimes(1);
    expect(sse.closed).toBe(true);
    expect(res.body).toBe('');
    const late = jest.fn();
    sse.onClose(late);
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('cuts a client that does not read once too much output is waiting for it', () => {
    const closed = jest.fn();
    sse.onClose(closed);
    sse.open(2000);
    res.writableLength = MAX_UNSENT_BYTES + 1;
    sse.comment('ping');
    expect(res.destroyed).toBe(true);
    expect(closed).toHaveBeenCalledTimes(1);
  });
});

describe('formatEvent', () => {
  it('omits the id line when there is no id and splits data on every kind of line break', () => {
    expect(formatEvent(undefined, 'notice', 'one\ntwo\r\nthree\rfour')).toBe('event: notice\ndata: one\ndata: two\ndata: three\ndata: four\n\n');
  });
});

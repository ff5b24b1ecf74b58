import { Logger } from '@nestjs/common';
import type { OutboxRepository, OutboxRow } from '@darkroom/database';
import { OutboxRelay, type OutboxSink, PUBLISH_TIMEOUT_MS } from './outbox-relay';

const TOPICS = ['image.uploaded'];

type Pass = Awaited<ReturnType<OutboxRepository['publishPending']>>;

/**
 * An outbox whose passes the spec answers one by one: each call waits until the spec ends it.
 * Typed against OutboxRepository, so a change of publishPending's shape breaks this spec's build.
 */
class ScriptedOutbox implements Pick<OutboxRepository, 'publishPending'> {
  readonly passes: Array<{ topics: string[]; limit: number; publish: (row: OutboxRow) => Promise<void>; leaseSeconds?: number }> = [];
  private answers: Array<{ resolve: (pass: Pass) => void; reject: (error: Error) => void }> = [];
  /** When set, passes end at once with this result instead of waiting. */
  autoAnswer?: Pass;

  publishPending(topics: string[], limit: number, publish: (row: OutboxRow) => Promise<void>, leaseSeconds?: number): Promise<Pass> {
    this.passes.push({ topics, limit, publish, leaseSeconds });
    if (this.autoAnswer) return Promise.resolve(this.autoAnswer);
    return new Promise((resolve, reject) => this.answers.push({ resolve, reject }));
  }

  /** Ends the oldest pass in flight having claimed and published `rows` rows. */
  answer(rows: number): void {
    this.next().resolve({ published: rows, claimed: rows });
  }

  /** Ends the oldest pass in flight with a publish error, reported the way publishPending reports it. */
  answerError(error: Error, published = 0): void {
    this.next().resolve({ published, claimed: published + 1, error });
  }

  /** Ends the oldest pass in flight by throwing (the transaction itself failed). */
  fail(error: Error): void {
    this.next().reject(error);
  }

  get inFlight(): number {
    return this.answers.length;
  }

  private next() {
    const pending = this.answers.shift();
    if (!pending) throw new Error('no pass is in flight');
    return pending;
  }
}

/** Lets every promise callback that is ready run, without moving the fake clock. */
async function settle(): Promise<void> {
  await jest.advanceTimersByTimeAsync(0);
}

describe('OutboxRelay', () => {
  let outbox: ScriptedOutbox;
  let published: OutboxRow[];
  let sink: OutboxSink;
  let relay: OutboxRelay | undefined;
  let warn: jest.SpyInstance<void, Parameters<Logger['warn']>>;

  /** What the relay warned, in order (Nest's real Logger, its output swallowed). */
  function warnings(): unknown[] {
    return warn.mock.calls.map(([message]) => message);
  }

  function startRelay(pollMs: number): OutboxRelay {
    relay = new OutboxRelay(outbox as unknown as OutboxRepository, sink, pollMs);
    relay.onApplicationBootstrap();
    return relay;
  }

  beforeEach(() => {
    jest.useFakeTimers();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    outbox = new ScriptedOutbox();
    published = [];
    sink = {
      topics: TOPICS,
      publish: async (row) => {
        published.push(row);
      },
    };
    relay = undefined;
  });

  afterEach(async () => {
    if (relay) {
      outbox.autoAnswer = { published: 0, claimed: 0 };
      while (outbox.inFlight > 0) outbox.answer(0);
      await relay.onApplicationShutdown();
    }
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('runs a pass at start, for its sink topics, in batches of 100 handed to the sink', async () => {
    startRelay(60_000);
    await settle();

    expect(outbox.passes).toHaveLength(1);
    expect(outbox.passes[0]!.topics).toEqual(TOPICS);
    expect(outbox.passes[0]!.limit).toBe(100);
    const row: OutboxRow = { id: '17', topic: 'image.uploaded', payload: { version: 1 } };
    await outbox.passes[0]!.publish(row);
    expect(published).toEqual([row]);
  });

  it('gives each publish PUBLISH_TIMEOUT_MS to be confirmed, so a blocked broker ends the pass instead of holding it', async () => {
    sink.publish = () => new Promise(() => undefined); // a blocked connection: no confirm, no error
    startRelay(60_000);
    await settle();
    expect(outbox.passes[0]!.leaseSeconds).toBeGreaterThan(PUBLISH_TIMEOUT_MS / 1000);

    let outcome: string | undefined;
    void outbox.passes[0]!.publish({ id: '18', topic: 'image.uploaded', payload: {} }).then(
      () => (outcome = 'confirmed'),
      (error: Error) => (outcome = error.message),
    );
    await jest.advanceTimersByTimeAsync(PUBLISH_TIMEOUT_MS - 1);
    expect(outcome).toBeUndefined();

    await jest.advanceTimersByTimeAsync(1);
    expect(outcome).toBe(`publishing outbox row 18 (image.uploaded) got no confirmation within ${PUBLISH_TIMEOUT_MS} ms`);
  });

  it('then waits the poll interval before the next pass', async () => {
    startRelay(60_000);
    await settle();
    outbox.answer(0);

    await jest.advanceTimersByTimeAsync(59_999);
    expect(outbox.passes).toHaveLength(1);

    await jest.advanceTimersByTimeAsync(1);
    expect(outbox.passes).toHaveLength(2);
  });

  it('runs a pass right after kick(), long before the poll interval', async () => {
    const r = startRelay(60_000);
    await settle();
    outbox.answer(0);
    await jest.advanceTimersByTimeAsync(10);
    expect(outbox.passes).toHaveLength(1);

    r.kick();
    await settle();

    expect(outbox.passes).toHaveLength(2);
  });

  it('does not lose a kick that arrives while a pass is running', async () => {
    const r = startRelay(60_000);
    await settle();

    r.kick(); // the row committed after this pass selected its rows
    outbox.answer(0);
    await settle();

    expect(outbox.passes).toHaveLength(2);
  });

  it('keeps passing without a pause while the batches come back full', async () => {
    startRelay(60_000);
    await settle();
    outbox.answer(100);
    await settle();
    outbox.answer(100);
    await settle();
    outbox.answer(7);
    await settle();

    expect(outbox.passes).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(59_999);
    expect(outbox.passes).toHaveLength(3);
  });

  it('retries a failed pass with a growing delay, and goes back to the poll interval after a success', async () => {
    startRelay(1000);
    await settle();

    outbox.answerError(new Error('channel closed'), 40);
    await settle();
    expect(warnings()).toEqual([expect.stringContaining('publishing outbox rows failed (channel closed)')]);
    await jest.advanceTimersByTimeAsync(1999);
    expect(outbox.passes).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(outbox.passes).toHaveLength(2);

    outbox.fail(new Error('could not connect to postgres'));
    await settle();
    expect(warnings()[1]).toContain('could not connect to postgres');
    await jest.advanceTimersByTimeAsync(3999);
    expect(outbox.passes).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(outbox.passes).toHaveLength(3);

    outbox.answer(0);
    await jest.advanceTimersByTimeAsync(1000);
    expect(outbox.passes).toHaveLength(4);
  });

  it('caps the retry delay at 30 s', async () => {
    outbox.autoAnswer = { published: 0, claimed: 1, error: new Error('broker unreachable') };
    startRelay(1000);
    // Failures 1..5 wait 2, 4, 8, 16 and then 30 (not 32) seconds.
    await jest.advanceTimersByTimeAsync(2000 + 4000 + 8000 + 16_000);
    expect(outbox.passes).toHaveLength(5);

    await jest.advanceTimersByTimeAsync(29_999);
    expect(outbox.passes).toHaveLength(5);
    await jest.advanceTimersByTimeAsync(1);
    expect(outbox.passes).toHaveLength(6);
  });

  it('stops on shutdown without waiting for the poll interval, and passes no more', async () => {
    const r = startRelay(60_000);
    await settle();
    outbox.answer(0);
    await settle();

    let stopped = false;
    const shutdown = r.onApplicationShutdown().then(() => {
      stopped = true;
    });
    await settle();

    expect(stopped).toBe(true);
    await shutdown;
    r.kick();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(outbox.passes).toHaveLength(1);
    relay = undefined;
  });

  it('lets a pass in flight finish before shutdown resolves', async () => {
    const r = startRelay(60_000);
    await settle();

    let stopped = false;
    const shutdown = r.onApplicationShutdown().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false);

    outbox.answer(3);
    await shutdown;

    expect(stopped).toBe(true);
    expect(outbox.passes).toHaveLength(1);
    relay = undefined;
  });

  it('does not let a kick cut a retry delay short', async () => {
    const r = startRelay(1000);
    await settle();
    outbox.answerError(new Error('channel closed'));
    await settle();

    r.kick(); // an upload committed while the broker is away
    await jest.advanceTimersByTimeAsync(1999);
    expect(outbox.passes).toHaveLength(1);

    // The retry still comes when the backoff ends, and it carries the kicked row.
    await jest.advanceTimersByTimeAsync(1);
    expect(outbox.passes).toHaveLength(2);
  });

  it('lets kicks wake it again once a retry has succeeded', async () => {
    const r = startRelay(1000);
    await settle();
    outbox.answerError(new Error('channel closed'));
    await jest.advanceTimersByTimeAsync(2000);
    expect(outbox.passes).toHaveLength(2);
    outbox.answer(1);
    await settle();

    r.kick();
    await settle();

    expect(outbox.passes).toHaveLength(3);
  });

  it('stops after the batch in flight on shutdown, even while batches come back full', async () => {
    const r = startRelay(60_000);
    await settle();

    let stopped = false;
    const shutdown = r.onApplicationShutdown().then(() => {
      stopped = true;
    });
    outbox.answer(100); // a backlog: there are more rows
    await settle();

    expect(outbox.passes).toHaveLength(1);
    expect(stopped).toBe(true);
    await shutdown;
    relay = undefined;
  });
});

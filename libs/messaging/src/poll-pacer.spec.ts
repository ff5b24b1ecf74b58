import { PollPacer } from './poll-pacer';

describe('PollPacer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const settledAfter = async (wait: Promise<void>, ms: number): Promise<boolean> => {
    let settled = false;
    void wait.then(() => (settled = true));
    await jest.advanceTimersByTimeAsync(ms);
    return settled;
  };

  it('waits pollMs while all is well, and doubles the wait with each failure up to 30 s', async () => {
    const pacer = new PollPacer(1000);

    expect(await settledAfter(pacer.wait(0), 999)).toBe(false);
    expect(await settledAfter(pacer.wait(0), 1000)).toBe(true);
    const third = pacer.wait(3);
    expect(await settledAfter(third, 7999)).toBe(false);
    expect(await settledAfter(third, 1)).toBe(true);
    const many = pacer.wait(20);
    expect(await settledAfter(many, 29_999)).toBe(false);
    expect(await settledAfter(many, 1)).toBe(true);
  });

  it('ends the wait under way when woken, and a wake with no wait under way does nothing', async () => {
    const pacer = new PollPacer(60_000);
    pacer.wake();
    const wait = pacer.wait(0);
    expect(await settledAfter(wait, 10)).toBe(false);

    pacer.wake();

    expect(await settledAfter(wait, 0)).toBe(true);
  });
});

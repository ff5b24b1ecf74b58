/**
 * The wait between passes of a loop that polls Postgres for work (the outbox relay, the notifier's deliveries):
 * `pollMs` while all is well, doubling with each failed pass up to 30 s, and cut short by `wake()` when there is
 * new work or the loop is stopping.
 */
export class PollPacer {
  private wakeUp?: () => void;

  constructor(private readonly pollMs: number) {}

  async wait(failures: number): Promise<void> {
    const delay = failures === 0 ? this.pollMs : Math.min(this.pollMs * 2 ** failures, 30_000);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = undefined;
  }

  /** Ends the wait under way, if any. */
  wake(): void {
    this.wakeUp?.();
  }
}

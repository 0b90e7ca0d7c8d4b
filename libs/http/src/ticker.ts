/**
 * Background work on a timer in a process (the worker's reconciler, audience evaluation, pixel monitor): a run
 * every `everyMs`, never two at once, not keeping the process alive, and `stop()` waits for a run in progress.
 * `work` handles its own errors (it logs them); a rejection is not a reason to stop the schedule.
 */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly everyMs: number,
    private readonly work: () => Promise<unknown>,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.work()
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => (this.running = undefined));
    }, this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

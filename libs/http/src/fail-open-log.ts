/**
 * One warning per interval however many requests pass uncounted, saying how many did since the last one: a
 * Redis outage at thousands of requests a second must not become thousands of log lines a second.
 */
export class FailOpenLog {
  private lastAt = Number.NEGATIVE_INFINITY;
  private unlogged = 0;

  constructor(
    private readonly everyMs: number,
    private readonly write: (line: string) => void,
  ) {}

  note(reason: string, detail: string, now: number): void {
    this.unlogged += 1;
    if (now - this.lastAt < this.everyMs) return;
    this.write(
      `rate limits not counted (${reason}: ${detail}); ${this.unlogged} request(s) served without a limit ` +
        `since the last warning; repeats are not logged for ${Math.round(this.everyMs / 1000)} s`,
    );
    this.lastAt = now;
    this.unlogged = 0;
  }
}

/**
 * Group commit: rows from concurrent requests are written together, one statement per batch, and each
 * caller's promise settles only when the statement holding its row has committed. With one flush in
 * flight, new rows gather behind it; so under light load a row is written at once (no added latency) and
 * under heavy load batches grow by themselves up to `maxRows`. A failed batch is written again row by row (see
 * `retryAlone`), so a bad row fails only its own caller — and nobody is told "stored" for a row that is not.
 */
export interface GroupCommitOptions<T = unknown, R = unknown> {
  /** Most rows in one statement. */
  maxRows: number;
  /** Batches written at the same time (each takes a pool connection). */
  maxInFlight: number;
  /** Extra wait before a flush while fewer than maxRows are queued; 0 flushes as soon as a slot is free. */
  lingerMs?: number;
  /**
   * Adaptive batching: once a batch commits, the next one waits up to this long for as many rows as were waiting
   * when it committed (its own callers, answered now, usually come back with their next row). Without it, a writer
   * serving a fixed number of concurrent callers settles into alternating batches (63 rows, then 1), paying a
   * commit for a handful of rows. A lone caller is never held: a batch of one expects one row. A new batch never
   * starts beside one in flight until that many rows are queued. 0 (default): off.
   */
  gatherMs?: number;
  /**
   * Called once per committed statement with its rows and their results (callers are answered at the same time,
   * not after it): the place to enqueue follow-up work for the whole batch at once (`addBulk`). Must not throw.
   */
  afterCommit?: (rows: T[], results: R[]) => void;
  /**
   * Whether a failed batch may be one row's fault, so that each row is written again alone and only the bad row's
   * caller fails. Answer false for errors that fail every row alike (the database is down): the batch then fails
   * at once, instead of each row waiting out the same outage in turn. Default: every error is retried row by row.
   * Rows written again alone must answer the same as if their batch had not failed: a flush that failed after
   * its statement committed is written again, so it must recognise its own rows (e.g. by the id it generated).
   */
  retryAlone?: (err: unknown) => boolean;
}

export interface BatchStats {
  rows: number;
  ms: number;
}

interface Pending<T, R> {
  row: T;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

export class GroupCommitWriter<T, R> {
  private queue: Pending<T, R>[] = [];
  private inFlight = 0;
  private rowsInFlight = 0;
  /** With gatherMs: rows waiting (queued or in flight) when the last batch committed, and until when to gather them. */
  private demand = 0;
  private gatherUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    /** Writes the rows in one statement and returns one result per row, in order. */
    private readonly flushBatch: (rows: T[]) => Promise<R[]>,
    private readonly options: GroupCommitOptions<T, R>,
    private readonly onBatch: (stats: BatchStats) => void = () => {},
  ) {}

  write(row: T): Promise<R> {
    if (this.closed) return Promise.reject(new Error('group-commit writer is closed'));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.schedule();
    });
  }

  /** Stops taking rows and waits for the ones taken to be written. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight) this.flush();
    if (this.queue.length === 0 && this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.inFlight >= this.options.maxInFlight) return; // the flush in flight will pick these up
    if (this.options.gatherMs && this.demand > 1 && this.queue.length < this.options.maxRows) {
      const wanted = this.demand - this.rowsInFlight;
      if (this.queue.length >= wanted) return this.flush();
      if (this.inFlight > 0) return; // its commit schedules again
      const wait = this.gatherUntil - performance.now();
      if (wait <= 0) return this.flush();
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, Math.ceil(wait));
      return;
    }
    const linger = this.options.lingerMs ?? 0;
    if (this.queue.length >= this.options.maxRows || linger === 0) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, linger);
    }
  }

  private committed(batch: Pending<T, R>[], results: R[]): void {
    if (!settle(batch, results) || !this.options.afterCommit) return;
    try {
      this.options.afterCommit(
        batch.map((p) => p.row),
        results,
      );
    } catch {
      // Follow-up work is best effort by contract (the reconciler finds what was not enqueued).
    }
  }

  private flush(): void {
    if (this.queue.length === 0) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.queue.splice(0, this.options.maxRows);
    this.inFlight++;
    this.rowsInFlight += batch.length;
    const started = performance.now();
    this.flushBatch(batch.map((p) => p.row))
      .then<unknown, unknown>(
        (results) => this.committed(batch, results),
        // One bad row must not fail its neighbours: write them one by one, so each caller gets its own answer.
        (err: unknown) =>
          batch.length === 1 || !(this.options.retryAlone?.(err) ?? true)
            ? batch.forEach((p) => p.reject(err))
            : Promise.all(batch.map((p) => this.flushBatch([p.row]).then((r) => this.committed([p], r), p.reject))),
      )
      .finally(() => {
        this.inFlight--;
        this.rowsInFlight -= batch.length;
        if (this.options.gatherMs) {
          this.demand = Math.min(this.options.maxRows, batch.length + this.queue.length + this.rowsInFlight);
          this.gatherUntil = performance.now() + this.options.gatherMs;
        }
        this.onBatch({ rows: batch.length, ms: performance.now() - started });
        if (this.queue.length > 0) {
          if (this.closed) this.flush();
          else this.schedule();
        } else if (this.inFlight === 0) {
          this.idleWaiters.splice(0).forEach((w) => w());
        }
      });
  }
}

function settle<T, R>(batch: Pending<T, R>[], results: R[]): boolean {
  if (results.length !== batch.length) {
    const err = new Error(`group-commit flush returned ${results.length} results for ${batch.length} rows`);
    batch.forEach((p) => p.reject(err));
    return false;
  }
  batch.forEach((p, i) => p.resolve(results[i]));
  return true;
}

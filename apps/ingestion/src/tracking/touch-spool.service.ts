import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { appendFile, mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { isDependencyDown, metrics } from '@app/http';
import { TouchWriter, type TouchRow } from './touch-writer.service';

const BUCKET_MS = 10_000;
const REPLAY_EVERY_MS = 5_000;
const CHUNK = 500;
/** A claim this old was left by a replay that died on another host: no replay of one file takes this long. */
const STRANDED_AFTER_MS = 10 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

/** Under SPOOL_DIR: lines that can never be replayed (not a touch, or a row PostgreSQL refuses), kept verbatim. */
export const QUARANTINE_DIR = 'quarantine';

/**
 * PostgreSQL refused the row itself (SQLSTATE class 22, data exception, or 23, integrity constraint): it will
 * refuse it every time, so retrying would only hold the line's file, and its good rows, back for ever.
 */
function refusedForGood(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = String(e?.driverError?.code ?? e?.code ?? '');
  return /^(22|23)/.test(code);
}

/** A spooled line back into the row it was, or why it cannot be one. */
function parseRow(line: string): TouchRow | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const r = value as Partial<Record<keyof TouchRow, unknown>> | null;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'not a JSON object';
  if (r.kind !== 'click' && r.kind !== 'impression') return 'kind is neither click nor impression';
  if (typeof r.id !== 'string' || (typeof r.ts !== 'string' && typeof r.ts !== 'number')) return 'no id or ts';
  const ts = new Date(r.ts);
  if (Number.isNaN(ts.getTime())) return 'ts is not a time';
  return { ...(r as unknown as TouchRow), ts };
}

/**
 * The tracking path must answer even when PostgreSQL is slow or down. A touch that cannot be committed in time
 * is appended to a local spool file and replayed later; the insert ignores ids it already has, so a touch
 * that was both committed late and spooled is stored once. Files are cut every 10 s and replayed only once
 * closed, so a replay never races an append.
 */
@Injectable()
export class TouchSpool implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('touch-spool');
  private timer: NodeJS.Timeout | undefined;
  private replaying: Promise<void> | undefined;
  private ready: Promise<unknown> | undefined;

  constructor(
    private readonly writer: TouchWriter,
    @Inject(LOOKBACK_CONFIG) private readonly config: LookbackConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.replay(), REPLAY_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.replaying;
  }

  async append(row: TouchRow): Promise<void> {
    this.ready ??= mkdir(this.config.spoolDir, { recursive: true });
    await this.ready;
    const bucket = Math.floor(Date.now() / BUCKET_MS);
    await appendFile(join(this.config.spoolDir, `touches-${process.pid}-${bucket}.jsonl`), `${JSON.stringify(row)}\n`);
    metrics.touches.inc({ kind: `${row.kind}_spooled` });
  }

  /** Replays closed spool files of any ingestion process sharing the folder; rename makes one process own each. */
  replay(): Promise<void> {
    this.replaying ??= this.replayFiles().finally(() => (this.replaying = undefined));
    return this.replaying;
  }

  /**
   * Files claimed by a replay that never finished (the process died mid-replay) are given back their spool name,
   * so they are replayed like any other: when the claimer ran on this host and is gone (or is an earlier process
   * with this pid — one replay runs at a time, so none of ours is in progress now), or when the claim is older
   * than any replay takes. Replaying a file twice stores nothing twice: ids are kept.
   */
  private async reclaimStranded(names: string[]): Promise<string[]> {
    const reclaimed: string[] = [];
    for (const name of names) {
      const m = /^(touches-\d+-\d+\.jsonl)\.(?:(.+)\.)?(\d+)\.replaying$/.exec(name);
      if (!m) continue;
      const [, original, host, pidText] = m;
      const pid = Number(pidText);
      const path = join(this.config.spoolDir, name);
      const here = host === undefined || host === hostname();
      const stranded =
        (here && (pid === process.pid || !alive(pid))) ||
        Date.now() - (await stat(path).then((st) => st.ctimeMs, () => Date.now())) > STRANDED_AFTER_MS;
      if (!stranded || names.includes(original)) continue;
      try {
        await rename(path, join(this.config.spoolDir, original));
        this.logger.warn(`spool ${original} was left claimed by process ${pid}${host ? ` on ${host}` : ''}: replaying it again`);
        reclaimed.push(original);
      } catch {
        // another process reclaimed it first
      }
    }
    return reclaimed;
  }

  private async replayFiles(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.config.spoolDir);
    } catch {
      return; // no spool folder: nothing was ever spooled
    }
    names = [...names, ...(await this.reclaimStranded(names))];
    const current = Math.floor(Date.now() / BUCKET_MS);
    for (const name of names) {
      const m = /^touches-\d+-(\d+)\.jsonl$/.exec(name);
      if (!m || Number(m[1]) >= current) continue;
      const path = join(this.config.spoolDir, name);
      if (Date.now() - (await stat(path)).mtimeMs < 1000) continue;
      const claimed = `${path}.${hostname()}.${process.pid}.replaying`;
      try {
        await rename(path, claimed);
      } catch {
        continue; // another process took it
      }
      try {
        const lines = (await readFile(claimed, 'utf8')).split('\n').filter((l) => l.trim() !== '');
        const quarantined: { line: string; n: number; reason: 'corrupt' | 'refused'; why: string }[] = [];
        const rows: { row: TouchRow; line: string; n: number }[] = [];
        lines.forEach((line, n) => {
          const row = parseRow(line);
          if (typeof row === 'string') quarantined.push({ line, n, reason: 'corrupt', why: row });
          else rows.push({ row, line, n });
        });
        for (let i = 0; i < rows.length; i += CHUNK) {
          const chunk = rows.slice(i, i + CHUNK);
          const outcomes = await Promise.allSettled(chunk.map((r) => this.writer.write(r.row)));
          outcomes.forEach((o, k) => {
            if (o.status === 'fulfilled') return;
            // Anything but a refusal of this very row (PostgreSQL down, a timeout, a deadlock) may pass:
            // the whole file is tried again later.
            if (!refusedForGood(o.reason)) throw o.reason;
            quarantined.push({ ...chunk[k], reason: 'refused', why: (o.reason as Error).message });
          });
        }
        // Kept before the claimed file goes: a crash in between replays the file again (its rows are stored once).
        if (quarantined.length > 0) {
          await mkdir(join(this.config.spoolDir, QUARANTINE_DIR), { recursive: true });
          await appendFile(join(this.config.spoolDir, QUARANTINE_DIR, name), quarantined.map((q) => `${q.line}\n`).join(''));
        }
        await unlink(claimed);
        for (const q of quarantined) {
          metrics.spoolQuarantined.inc({ reason: q.reason });
          this.logger.warn(`spool ${name} line ${q.n + 1} moved to ${QUARANTINE_DIR}/${name} (${q.reason}): ${q.why}`);
        }
        this.logger.log(`replayed ${lines.length - quarantined.length} spooled touch(es) from ${name}`);
      } catch (err) {
        await rename(claimed, path).catch(() => undefined);
        this.logger.warn(`spool ${name} not replayed yet: ${(err as Error).message}`);
        // With PostgreSQL down every file would fail alike; any other failure is this file's, not the others'.
        if (isDependencyDown(err)) return;
      }
    }
  }
}

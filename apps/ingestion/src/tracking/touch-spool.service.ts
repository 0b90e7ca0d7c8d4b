import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { appendFile, mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LOOKBACK_CONFIG, type LookbackConfig } from '@app/config';
import { metrics } from '@app/http';
import { TouchWriter, type TouchRow } from './touch-writer.service';

const BUCKET_MS = 10_000;
const REPLAY_EVERY_MS = 5_000;
const CHUNK = 500;

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

  private async replayFiles(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.config.spoolDir);
    } catch {
      return; // no spool folder: nothing was ever spooled
    }
    const current = Math.floor(Date.now() / BUCKET_MS);
    for (const name of names) {
      const m = /^touches-\d+-(\d+)\.jsonl$/.exec(name);
      if (!m || Number(m[1]) >= current) continue;
      const path = join(this.config.spoolDir, name);
      if (Date.now() - (await stat(path)).mtimeMs < 1000) continue;
      const claimed = `${path}.${process.pid}.replaying`;
      try {
        await rename(path, claimed);
      } catch {
        continue; // another process took it
      }
      try {
        const rows = (await readFile(claimed, 'utf8'))
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => {
            const r = JSON.parse(l) as TouchRow;
            return { ...r, ts: new Date(r.ts) };
          });
        for (let i = 0; i < rows.length; i += CHUNK) {
          await Promise.all(rows.slice(i, i + CHUNK).map((r) => this.writer.write(r)));
        }
        await unlink(claimed);
        this.logger.log(`replayed ${rows.length} spooled touch(es) from ${name}`);
      } catch (err) {
        await rename(claimed, path).catch(() => undefined);
        this.logger.warn(`spool ${name} not replayed yet: ${(err as Error).message}`);
        return;
      }
    }
  }
}

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowsOf } from '../sql';

export type ReplayRunStatus = 'queued' | 'running' | 'done' | 'failed';

/** A replay's parameters as stored (dates as ISO strings): what the worker job re-reads. */
export interface StoredReplayParams {
  appId: string;
  from: string;
  to: string;
  overrides: Record<string, unknown> | null;
  limit: number;
  sendOwedPostbacks: boolean;
}

export interface ReplayRun {
  id: string;
  appId: string;
  params: StoredReplayParams;
  status: ReplayRunStatus;
  processed: number;
  result: Record<string, unknown> | null;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

interface Row {
  id: string;
  app_id: string;
  params: StoredReplayParams;
  status: ReplayRunStatus;
  processed: number;
  result: Record<string, unknown> | null;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const COLUMNS = 'id, app_id, params, status, processed, result, error, created_at, updated_at, finished_at';
const toRun = (r: Row): ReplayRun => ({
  id: r.id,
  appId: r.app_id,
  params: r.params,
  status: r.status,
  processed: r.processed,
  result: r.result,
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

/** Applied replay runs: created by the admin API, advanced by the worker job that runs them. */
@Injectable()
export class ReplayRunsRepository {
  constructor(private readonly db: DataSource) {}

  async create(id: string, params: StoredReplayParams): Promise<ReplayRun> {
    const [row] = await rowsOf<Row>(
      this.db,
      `INSERT INTO replay_runs (id, app_id, params) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [id, params.appId, JSON.stringify(params)],
    );
    return toRun(row);
  }

  async get(id: string): Promise<ReplayRun | undefined> {
    const [row] = await rowsOf<Row>(this.db, `SELECT ${COLUMNS} FROM replay_runs WHERE id = $1`, [id]);
    return row ? toRun(row) : undefined;
  }

  /** Takes a queued (or interrupted) run; undefined when it is finished already or unknown. */
  async start(appId: string, id: string): Promise<ReplayRun | undefined> {
    const [row] = await rowsOf<Row>(
      this.db,
      `UPDATE replay_runs SET status = 'running', processed = 0, error = NULL, updated_at = now()
        WHERE app_id = $1 AND id = $2 AND status IN ('queued', 'running', 'failed') RETURNING ${COLUMNS}`,
      [appId, id],
    );
    return row ? toRun(row) : undefined;
  }

  async progress(run: ReplayRun, processed: number): Promise<void> {
    await this.db.query(`UPDATE replay_runs SET processed = $3, updated_at = now() WHERE app_id = $1 AND id = $2`, [
      run.appId,
      run.id,
      processed,
    ]);
  }

  async finish(run: ReplayRun, result: object): Promise<void> {
    await this.db.query(
      `UPDATE replay_runs SET status = 'done', result = $3, updated_at = now(), finished_at = now() WHERE app_id = $1 AND id = $2`,
      [run.appId, run.id, JSON.stringify(result)],
    );
  }

  async fail(run: ReplayRun, error: string): Promise<void> {
    await this.db.query(`UPDATE replay_runs SET status = 'failed', error = $3, updated_at = now() WHERE app_id = $1 AND id = $2`, [
      run.appId,
      run.id,
      error.slice(0, 2000),
    ]);
  }

  /** Runs queued or running without progress for this long: their job was lost with Redis (the reconciler re-offers them). */
  async stale(olderThanMs: number, limit: number): Promise<{ id: string; appId: string }[]> {
    const rows = await rowsOf<{ id: string; app_id: string }>(
      this.db,
      `SELECT id, app_id FROM replay_runs WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY updated_at LIMIT $2`,
      [olderThanMs, limit],
    );
    return rows.map((r) => ({ id: r.id, appId: r.app_id }));
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Applied replays run as worker jobs; each run's parameters, progress and result live here, so the admin API
 * can show a run's progress and the reconciler can offer a queued run again after a Redis loss.
 */
export class CreateReplayRuns1764720000000 implements MigrationInterface {
  name = 'CreateReplayRuns1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE replay_runs (
        id uuid NOT NULL,
        app_id uuid NOT NULL REFERENCES apps (id),
        params jsonb NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
        processed int NOT NULL DEFAULT 0,
        result jsonb,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        PRIMARY KEY (app_id, id)
      )`);
    // The admin API follows a run by its id alone (the id is what POST answered).
    await q.query(`CREATE INDEX replay_runs_id_idx ON replay_runs (id)`);
    await q.query(`CREATE INDEX replay_runs_open_idx ON replay_runs (updated_at) WHERE status IN ('queued', 'running')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE replay_runs`);
  }
}

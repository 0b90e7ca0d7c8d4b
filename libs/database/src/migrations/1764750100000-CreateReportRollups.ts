import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reports read small rollups instead of raw rows. Statement-level triggers with transition tables keep them
 * current: every committed INSERT, UPDATE or DELETE of clicks, impressions, installs or events adds its net
 * change with one upsert per statement, whichever code path wrote it (ingestion batches, the worker's decisions,
 * replay with apply, erasure). Dropping a partition (retention) fires no trigger: reports of old days survive
 * their raw rows. Rows are upserted in key order, so two statements never lock the same rollup rows crosswise.
 *
 * `country` (ISO 3166-1 alpha-2 from the IP at ingest time) is added to the four raw tables.
 */

interface Rollup {
  /** Trigger and function name stem. */
  name: string;
  source: string;
  target: string;
  keys: string[];
  measures: string[];
  /** SELECT list over a transition table `src`, each measure multiplied by `sign`. */
  select: (src: string, sign: string) => string;
}

const DAY = (column: string) => `(${column} AT TIME ZONE 'UTC')::date`;

const ROLLUPS: Rollup[] = [
  ...(['clicks', 'impressions'] as const).map((table) => ({
    name: `report_${table}`,
    source: table,
    target: 'report_touches',
    keys: ['app_id', 'day', 'campaign_id', 'country'],
    measures: [table],
    select: (src: string, sign: string) => `SELECT app_id, ${DAY('ts')} AS day, campaign_id, country, ${sign} AS ${table} FROM ${src}`,
  })),
  {
    name: 'report_installs',
    source: 'installs',
    target: 'report_installs',
    keys: ['app_id', 'day', 'campaign_id', 'country'],
    measures: ['installs', 'rejected', 'organic'],
    select: (src, sign) =>
      `SELECT app_id, ${DAY('installed_at')} AS day, CASE WHEN status IN ('attributed', 'rejected') THEN campaign_id END AS campaign_id,
              country, ${sign} * (status = 'attributed')::int AS installs, ${sign} * (status = 'rejected')::int AS rejected,
              ${sign} * (status = 'organic')::int AS organic
         FROM ${src} WHERE status IN ('attributed', 'rejected', 'organic')`,
  },
  {
    name: 'report_events',
    source: 'events',
    target: 'report_events',
    keys: ['app_id', 'day', 'campaign_id', 'country'],
    measures: ['events', 'revenue_usd'],
    select: (src, sign) =>
      `SELECT app_id, ${DAY('occurred_at')} AS day, campaign_id, country, ${sign} AS events,
              ${sign} * coalesce(revenue_usd, 0) AS revenue_usd FROM ${src}`,
  },
  {
    // Revenue by install day and age in whole days since the install: D_n is the sum over ages 0..n.
    // Events are immutable in occurred_at and installs in installed_at, so the join sees the same install
    // for the old and the new image of an event (erasure deletes events before their install).
    name: 'cohort_events',
    source: 'events',
    target: 'cohort_revenue',
    keys: ['app_id', 'install_day', 'campaign_id', 'age_days'],
    measures: ['events', 'revenue_usd'],
    select: (src, sign) =>
      `SELECT e.app_id, ${DAY('i.installed_at')} AS install_day, e.campaign_id,
              greatest(0, floor(extract(epoch FROM e.occurred_at - i.installed_at) / 86400))::int AS age_days,
              ${sign} AS events, ${sign} * coalesce(e.revenue_usd, 0) AS revenue_usd
         FROM ${src} e JOIN installs i ON i.id = e.install_ref AND i.app_id = e.app_id
        WHERE e.status = 'linked'`,
  },
];

function upsert(r: Rollup, from: string): string {
  const keys = r.keys.join(', ');
  const positions = r.keys.map((_, i) => i + 1).join(', ');
  return `
    INSERT INTO ${r.target} AS t (${keys}, ${r.measures.join(', ')})
    SELECT ${keys}, ${r.measures.map((m) => `sum(${m})`).join(', ')} FROM (${from}) d
     GROUP BY ${positions}
    HAVING ${r.measures.map((m) => `sum(${m}) <> 0`).join(' OR ')}
     ORDER BY ${positions}
    ON CONFLICT (${keys}) DO UPDATE SET ${r.measures.map((m) => `${m} = t.${m} + excluded.${m}`).join(', ')}`;
}

function functionSql(r: Rollup): string {
  return `
    CREATE FUNCTION lookback_${r.name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        ${upsert(r, r.select('new_rows', '1'))};
      ELSIF TG_OP = 'DELETE' THEN
        ${upsert(r, r.select('old_rows', '-1'))};
      ELSE
        ${upsert(r, `${r.select('new_rows', '1')} UNION ALL ${r.select('old_rows', '-1')}`)};
      END IF;
      RETURN NULL;
    END $fn$`;
}

function triggersSql(r: Rollup): string[] {
  return [
    `CREATE TRIGGER ${r.name}_ins AFTER INSERT ON ${r.source} REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION lookback_${r.name}()`,
    `CREATE TRIGGER ${r.name}_upd AFTER UPDATE ON ${r.source} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION lookback_${r.name}()`,
    `CREATE TRIGGER ${r.name}_del AFTER DELETE ON ${r.source} REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION lookback_${r.name}()`,
  ];
}

export class CreateReportRollups1764750100000 implements MigrationInterface {
  name = 'CreateReportRollups1764750100000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['clicks', 'impressions', 'installs', 'events']) {
      await q.query(`ALTER TABLE ${table} ADD COLUMN country text`);
    }
    // NULLS NOT DISTINCT (PostgreSQL 15): the organic row (no campaign) and unknown country are keys like any other.
    await q.query(`
      CREATE TABLE report_touches (
        app_id uuid NOT NULL, day date NOT NULL, campaign_id uuid NOT NULL, country text,
        clicks bigint NOT NULL DEFAULT 0, impressions bigint NOT NULL DEFAULT 0,
        UNIQUE NULLS NOT DISTINCT (app_id, day, campaign_id, country))`);
    await q.query(`
      CREATE TABLE report_installs (
        app_id uuid NOT NULL, day date NOT NULL, campaign_id uuid, country text,
        installs bigint NOT NULL DEFAULT 0, rejected bigint NOT NULL DEFAULT 0, organic bigint NOT NULL DEFAULT 0,
        UNIQUE NULLS NOT DISTINCT (app_id, day, campaign_id, country))`);
    await q.query(`
      CREATE TABLE report_events (
        app_id uuid NOT NULL, day date NOT NULL, campaign_id uuid, country text,
        events bigint NOT NULL DEFAULT 0, revenue_usd numeric NOT NULL DEFAULT 0,
        UNIQUE NULLS NOT DISTINCT (app_id, day, campaign_id, country))`);
    await q.query(`
      CREATE TABLE cohort_revenue (
        app_id uuid NOT NULL, install_day date NOT NULL, campaign_id uuid, age_days int NOT NULL,
        events bigint NOT NULL DEFAULT 0, revenue_usd numeric NOT NULL DEFAULT 0,
        UNIQUE NULLS NOT DISTINCT (app_id, install_day, campaign_id, age_days))`);
    // Imported daily cost: as sent and in USD at the FX rate of the import. It replaces installs × costPerInstall.
    await q.query(`
      CREATE TABLE campaign_costs (
        app_id uuid NOT NULL,
        campaign_id uuid NOT NULL REFERENCES campaigns (id),
        day date NOT NULL,
        amount numeric(20, 6) NOT NULL CHECK (amount >= 0),
        currency text NOT NULL,
        amount_usd numeric(24, 6) NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (app_id, campaign_id, day))`);


    for (const r of ROLLUPS) {
      await q.query(functionSql(r));
      for (const t of triggersSql(r)) await q.query(t);
    }
    // Data written before this migration: counted once, as the triggers would have.
    for (const r of ROLLUPS) {
      await q.query(upsert(r, r.select(r.source, '1')));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const r of ROLLUPS) {
      for (const op of ['ins', 'upd', 'del']) await q.query(`DROP TRIGGER ${r.name}_${op} ON ${r.source}`);
      await q.query(`DROP FUNCTION lookback_${r.name}()`);
    }
    await q.query(`DROP TABLE campaign_costs, cohort_revenue, report_events, report_installs, report_touches`);
    for (const table of ['clicks', 'impressions', 'installs', 'events']) {
      await q.query(`ALTER TABLE ${table} DROP COLUMN country`);
    }
  }
}

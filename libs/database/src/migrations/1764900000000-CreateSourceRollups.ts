import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-source poaching signals (conversion rate and CTIT distribution per campaign × site_id) read two small
 * hourly rollups instead of raw rows:
 *
 * - `source_clicks`: clicks per (app, campaign, site_id, hour), kept by a statement-level trigger on clicks (one
 *   grouped upsert per INSERT statement, i.e. per group-commit batch of up to a few hundred clicks, never per row);
 *   UPDATE and DELETE (erasure) add their net change, so it matches the raw rows whichever path wrote them.
 * - `source_installs`: per (app, campaign, site_id, install hour) the decided installs that a click of the source
 *   matched (any click candidate of the decision inside its window, won or lost), with a histogram of their
 *   click-to-install times in log buckets. Kept by a statement-level trigger on installs that reads the decision's
 *   own explanation (candidates carry campaignId, siteId and ts): the worker's one decision statement per batch
 *   fires it once, and replay's apply moves the counts with the decision (old explanation out, new in).
 *
 * A missing site_id is the empty string, so lookups are plain equality on the primary key.
 */

/** Bucket bounds in seconds; the same as CTIT_BUCKET_SECONDS in libs/domain. */
const CTIT_BOUNDS = [10, 60, 600, 3600, 21600, 86400, 259200];
const CTIT_COLUMNS = Array.from({ length: CTIT_BOUNDS.length + 1 }, (_, i) => `ctit_${i}`);
const HOUR = (column: string) => `date_bin('1 hour', ${column}, TIMESTAMPTZ '2000-01-01 00:00:00+00')`;

/**
 * Candidates that are not a match of the source for this install: touches outside their window, after the install,
 * of an unknown campaign, not allowed to fingerprint, and fingerprint candidates the decision distrusted because the
 * address is shared (carrier NAT look-alikes) or the click already credited another install.
 */
const NOT_MATCHES = ['outside_window', 'after_install', 'unknown_campaign', 'no_consent', 'fingerprint_off', 'shared_ip', 'touch_consumed'];

const clicksSelect = (src: string, sign: string) =>
  `SELECT app_id, campaign_id, coalesce(site_id, '') AS site_id, ${HOUR('ts')} AS hour, ${sign} AS clicks FROM ${src}`;

/** One row per (install, source) matched: the source's latest matching click gives the CTIT. */
const installsSelect = (src: string, sign: string) => `
  SELECT app_id, campaign_id, site_id, ${HOUR('installed_at')} AS hour, ${sign} AS installs,
         ${CTIT_COLUMNS.map((c, i) => `${sign} * (b = ${i})::int AS ${c}`).join(', ')}
    FROM (
      SELECT r.app_id, r.installed_at, (c->>'campaignId')::uuid AS campaign_id, coalesce(c->>'siteId', '') AS site_id,
             width_bucket(extract(epoch FROM r.installed_at - max((c->>'ts')::timestamptz))::float8,
                          ARRAY[${CTIT_BOUNDS.join(', ')}]::float8[]) AS b
        FROM ${src} r CROSS JOIN LATERAL jsonb_array_elements(r.explanation->'candidates') c
       WHERE r.status IN ('attributed', 'organic', 'rejected') AND c->>'kind' = 'click'
         AND coalesce(c->>'reason', '') NOT IN (${NOT_MATCHES.map((r) => `'${r}'`).join(', ')})
       GROUP BY r.id, r.app_id, r.installed_at, 3, 4) m`;

function upsert(target: string, measures: string[], from: string): string {
  const keys = 'app_id, campaign_id, site_id, hour';
  return `
    INSERT INTO ${target} AS t (${keys}, ${measures.join(', ')})
    SELECT ${keys}, ${measures.map((m) => `sum(${m})`).join(', ')} FROM (${from}) d
     GROUP BY 1, 2, 3, 4
    HAVING ${measures.map((m) => `sum(${m}) <> 0`).join(' OR ')}
     ORDER BY 1, 2, 3, 4
    ON CONFLICT (${keys}) DO UPDATE SET ${measures.map((m) => `${m} = t.${m} + excluded.${m}`).join(', ')}`;
}

const INSTALL_MEASURES = ['installs', ...CTIT_COLUMNS];

export class CreateSourceRollups1764900000000 implements MigrationInterface {
  name = 'CreateSourceRollups1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE source_clicks (
        app_id uuid NOT NULL, campaign_id uuid NOT NULL, site_id text NOT NULL, hour timestamptz NOT NULL,
        clicks bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (app_id, campaign_id, site_id, hour))`);
    await q.query(`
      CREATE TABLE source_installs (
        app_id uuid NOT NULL, campaign_id uuid NOT NULL, site_id text NOT NULL, hour timestamptz NOT NULL,
        installs bigint NOT NULL DEFAULT 0, ${CTIT_COLUMNS.map((c) => `${c} bigint NOT NULL DEFAULT 0`).join(', ')},
        PRIMARY KEY (app_id, campaign_id, site_id, hour))`);

    await q.query(`
      CREATE FUNCTION lookback_source_clicks() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${upsert('source_clicks', ['clicks'], clicksSelect('new_rows', '1'))};
        ELSIF TG_OP = 'DELETE' THEN
          ${upsert('source_clicks', ['clicks'], clicksSelect('old_rows', '-1'))};
        ELSE
          ${upsert('source_clicks', ['clicks'], `${clicksSelect('new_rows', '1')} UNION ALL ${clicksSelect('old_rows', '-1')}`)};
        END IF;
        RETURN NULL;
      END $fn$`);
    // Installs are inserted pending (nothing to count): only UPDATE (decisions, replay, IP reduction) and DELETE
    // (erasure) can change a match. An update that leaves status and explanation alone changes nothing, so only
    // rows whose decision changed are read.
    await q.query(`
      CREATE FUNCTION lookback_source_installs() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          ${upsert('source_installs', INSTALL_MEASURES, installsSelect('old_rows', '-1'))};
        ELSE
          WITH changed AS (
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE (n.status, n.explanation) IS DISTINCT FROM (o.status, o.explanation)
          ), n AS (SELECT * FROM new_rows WHERE id IN (SELECT id FROM changed)),
             o AS (SELECT * FROM old_rows WHERE id IN (SELECT id FROM changed))
          ${upsert('source_installs', INSTALL_MEASURES, `${installsSelect('n', '1')} UNION ALL ${installsSelect('o', '-1')}`).trim()};
        END IF;
        RETURN NULL;
      END $fn$`);
    await q.query(`CREATE TRIGGER source_clicks_ins AFTER INSERT ON clicks REFERENCING NEW TABLE AS new_rows
                     FOR EACH STATEMENT EXECUTE FUNCTION lookback_source_clicks()`);
    await q.query(`CREATE TRIGGER source_clicks_upd AFTER UPDATE ON clicks REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                     FOR EACH STATEMENT EXECUTE FUNCTION lookback_source_clicks()`);
    await q.query(`CREATE TRIGGER source_clicks_del AFTER DELETE ON clicks REFERENCING OLD TABLE AS old_rows
                     FOR EACH STATEMENT EXECUTE FUNCTION lookback_source_clicks()`);
    await q.query(`CREATE TRIGGER source_installs_upd AFTER UPDATE ON installs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                     FOR EACH STATEMENT EXECUTE FUNCTION lookback_source_installs()`);
    await q.query(`CREATE TRIGGER source_installs_del AFTER DELETE ON installs REFERENCING OLD TABLE AS old_rows
                     FOR EACH STATEMENT EXECUTE FUNCTION lookback_source_installs()`);

    // Rows written before this migration, counted once as the triggers would have.
    await q.query(upsert('source_clicks', ['clicks'], clicksSelect('clicks', '1')));
    await q.query(upsert('source_installs', INSTALL_MEASURES, installsSelect('installs', '1')));
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['source_clicks_ins', 'source_clicks_upd', 'source_clicks_del']) await q.query(`DROP TRIGGER ${t} ON clicks`);
    for (const t of ['source_installs_upd', 'source_installs_del']) await q.query(`DROP TRIGGER ${t} ON installs`);
    await q.query(`DROP FUNCTION lookback_source_installs()`);
    await q.query(`DROP FUNCTION lookback_source_clicks()`);
    await q.query(`DROP TABLE source_installs, source_clicks`);
  }
}

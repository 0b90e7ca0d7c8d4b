/**
 * Per-batch signal queries: facts about a batch's candidates that the decision needs beyond the touches
 * themselves (fraud signals). Each signal runs ONE statement for the whole batch — `unnest` of the batch's keys,
 * then an indexed `LATERAL` per key — after the candidates are loaded and before anything is decided.
 * Add a signal by appending to BATCH_SIGNALS; replay runs them too, so what-ifs see the same facts.
 */
import type { DataSource } from 'typeorm';
import { namedQuery } from '../sql';
import type { CandidateSet } from './attribution-inputs.repository';

export interface BatchSignal {
  name: string;
  /** Reads what it needs for every set of the batch and writes its findings into the sets. */
  load(db: DataSource, batch: CandidateSet[]): Promise<void>;
}

/** Bounds a count on a hot IP: beyond this it is flooding whatever the exact figure. */
const FLOOD_COUNT_CAP = 100_000;

const IP_CLICKS_SQL = `SELECT u.k, (
      SELECT count(*)::int FROM (
        SELECT 1 FROM clicks
         WHERE app_id = u.app_id AND ip = u.ip AND ts <= u.at AND ts >= u.at - u.hours * interval '1 hour'
         LIMIT ${FLOOD_COUNT_CAP}) c) AS n
    FROM unnest($1::int[], $2::uuid[], $3::inet[], $4::timestamptz[], $5::float8[]) AS u(k, app_id, ip, at, hours)`;

const DEVICE_CLICKS_SQL = `SELECT u.k, u.gaid, (
      SELECT count(*)::int FROM (
        SELECT 1 FROM clicks
         WHERE app_id = u.app_id AND gaid = u.gaid AND ts <= u.at AND ts >= u.at - u.hours * interval '1 hour'
         LIMIT ${FLOOD_COUNT_CAP}) c) AS n
    FROM unnest($1::int[], $2::uuid[], $3::text[], $4::timestamptz[], $5::float8[]) AS u(k, app_id, gaid, at, hours)`;

/**
 * Click flooding: how many clicks the install's IP, and each fingerprint candidate's device, made inside the
 * fingerprint window. Only fingerprint matches consult it, so only installs with a fingerprint candidate count.
 */
export const clickFlooding: BatchSignal = {
  name: 'click_flooding',
  async load(db, batch) {
    const needs = batch
      .map((s, k) => ({ s, k, candidates: s.clicks.filter((c) => s.install.ip && c.ip === s.install.ip && c.ua_key === s.install.ua_key) }))
      .filter((x) => x.candidates.length > 0 && x.s.hours.fingerprint > 0);
    if (needs.length === 0) return;
    const devices = needs.flatMap(({ s, k, candidates }) =>
      [...new Set(candidates.map((c) => c.gaid).filter((g): g is string => g !== null))].map((gaid) => ({ s, k, gaid })),
    );
    const [ipRows, deviceRows] = await Promise.all([
      namedQuery<{ k: number; n: number }>(db, 'lb_flood_ip', IP_CLICKS_SQL, [
        needs.map((x) => x.k),
        needs.map((x) => x.s.install.app_id),
        needs.map((x) => x.s.install.ip),
        needs.map((x) => x.s.install.installed_at),
        needs.map((x) => x.s.hours.fingerprint),
      ]),
      devices.length === 0
        ? Promise.resolve([])
        : namedQuery<{ k: number; gaid: string; n: number }>(db, 'lb_flood_device', DEVICE_CLICKS_SQL, [
            devices.map((d) => d.k),
            devices.map((d) => d.s.install.app_id),
            devices.map((d) => d.gaid),
            devices.map((d) => d.s.install.installed_at),
            devices.map((d) => d.s.hours.fingerprint),
          ]),
    ]);
    const byIp = new Map(ipRows.map((r) => [r.k, r.n]));
    const byDevice = new Map(deviceRows.map((r) => [`${r.k}\u0000${r.gaid}`, r.n]));
    for (const { s, k } of needs) {
      const ipCount = byIp.get(k) ?? 0;
      for (const c of s.clicks) {
        const n = Math.max(ipCount, c.gaid ? (byDevice.get(`${k}\u0000${c.gaid}`) ?? 0) : 0);
        if (n > 0) s.floodCounts.set(c.id, n);
      }
    }
  },
};

export const BATCH_SIGNALS: readonly BatchSignal[] = [clickFlooding];

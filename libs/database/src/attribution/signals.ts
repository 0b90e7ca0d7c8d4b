/**
 * Per-batch signal queries: facts about a batch's candidates that the decision needs beyond the touches
 * themselves (fraud signals). Each signal runs ONE statement for the whole batch — `unnest` of the batch's keys,
 * then an indexed `LATERAL` per key — after the candidates are loaded and before anything is decided.
 * Add a signal by appending to BATCH_SIGNALS; replay runs them too, so what-ifs see the same facts. The signals of a
 * batch run side by side: a signal reads only the loaded candidates (install, clicks, impressions, prior install),
 * never another signal's findings.
 */
import type { DataSource } from 'typeorm';
import { CLICK_SPAM_DEVICES } from '@app/domain';
import { namedQuery } from '../sql';
import type { CandidateSet } from './attribution-inputs.repository';
import { SOURCE_SIGNALS } from './source-signals';

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

/** Enough rows to tell a server sending clicks (thousands of devices) from people sharing an address. */
const SOURCE_ROWS_CAP = 5000;
const SHARED_INSTALLS_CAP = 1000;

const SOURCE_DEVICES_SQL = `SELECT u.k, (
      SELECT count(DISTINCT gaid)::int FROM (
        SELECT gaid FROM clicks
         WHERE app_id = u.app_id AND ip = u.ip AND gaid IS NOT NULL AND ts <= u.until AND ts >= u.since
         LIMIT ${SOURCE_ROWS_CAP}) c) AS n
    FROM unnest($1::int[], $2::uuid[], $3::inet[], $4::timestamptz[], $5::timestamptz[]) AS u(k, app_id, ip, since, until)`;

const IP_INSTALLS_SQL = `SELECT u.k, (
      SELECT count(*)::int FROM (
        SELECT 1 FROM installs
         WHERE app_id = u.app_id AND ip = u.ip AND id <> u.id
           AND installed_at <= u.at AND installed_at >= u.at - u.hours * interval '1 hour'
         LIMIT ${SHARED_INSTALLS_CAP}) i) AS n
    FROM unnest($1::int[], $2::uuid[], $3::inet[], $4::uuid[], $5::timestamptz[], $6::float8[]) AS u(k, app_id, ip, id, at, hours)`;

const CONSUMED_SQL = `SELECT u.k, i.touch_id
    FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::uuid[]) AS u(k, app_id, touch_id, id)
    JOIN installs i ON i.app_id = u.app_id AND i.touch_id = u.touch_id AND i.id <> u.id
                   AND i.status = 'attributed' AND i.match_type = 'fingerprint'`;

const isFingerprintCandidate = (s: CandidateSet, c: CandidateSet['clicks'][number]) =>
  s.install.ip !== null && c.ip === s.install.ip && c.ua_key === s.install.ua_key;
const isDeviceCandidate = (s: CandidateSet, c: CandidateSet['clicks'][number]) =>
  (s.install.gaid !== null && c.gaid === s.install.gaid) || (s.install.idfa !== null && c.idfa === s.install.idfa);

/**
 * Click spam: per address a device-id or fingerprint candidate click came from, how many distinct advertising ids
 * clicked from it inside the click window. The count reads only the address index (it carries gaid), never the
 * clicks themselves. An address several installs of the batch ask about is counted once over the union of their
 * windows: at most CLICK_SPAM_DEVICES there means at most that in each window, which is all the rule asks (it
 * compares with the threshold only); an address above it is counted again per install, exactly.
 */
export const clickSpam: BatchSignal = {
  name: 'click_spam',
  async load(db, batch) {
    const asks = batch.flatMap((s, k) =>
      [...new Set(s.clicks.filter((c) => c.ip && (isDeviceCandidate(s, c) || isFingerprintCandidate(s, c))).map((c) => c.ip!))].map((ip) => ({
        k,
        appId: s.install.app_id,
        ip,
        from: s.install.installed_at.getTime() - s.hours.click * 3_600_000,
        to: s.install.installed_at.getTime(),
      })),
    );
    if (asks.length === 0) return;
    const byAddress = new Map<string, typeof asks>();
    for (const a of asks) {
      const key = `${a.appId}\u0000${a.ip}`;
      const group = byAddress.get(key);
      if (group) group.push(a);
      else byAddress.set(key, [a]);
    }
    const count = (probes: { appId: string; ip: string; from: number; to: number }[]) =>
      namedQuery<{ k: number; n: number }>(db, 'lb_source_devices', SOURCE_DEVICES_SQL, [
        probes.map((_, i) => i),
        probes.map((p) => p.appId),
        probes.map((p) => p.ip),
        probes.map((p) => new Date(p.from)),
        probes.map((p) => new Date(p.to)),
      ]).then((rows) => {
        const n = new Array<number>(probes.length).fill(0);
        for (const r of rows) n[r.k] = r.n;
        return n;
      });
    const groups = [...byAddress.values()];
    const union = groups.map((g) => ({ appId: g[0].appId, ip: g[0].ip, from: Math.min(...g.map((a) => a.from)), to: Math.max(...g.map((a) => a.to)) }));
    const found = new Map<number, Map<string, number>>();
    const put = (a: (typeof asks)[number], n: number) => {
      if (!found.has(a.k)) found.set(a.k, new Map());
      found.get(a.k)!.set(a.ip, n);
    };
    const again: typeof asks = [];
    (await count(union)).forEach((n, i) => {
      const group = groups[i];
      if (group.length === 1 || n <= CLICK_SPAM_DEVICES) group.forEach((a) => put(a, n));
      else again.push(...group);
    });
    if (again.length > 0) (await count(again)).forEach((n, i) => put(again[i], n));
    batch.forEach((s, k) => {
      const counts = found.get(k);
      if (!counts) return;
      for (const c of s.clicks) {
        const n = c.ip ? counts.get(c.ip) : undefined;
        if (n !== undefined) s.sourceDevices.set(c.id, n);
      }
    });
  },
};

/**
 * Shared IP and consumed clicks, for installs with a fingerprint candidate: how many other installs came from the
 * install's address inside the fingerprint window, and which candidates already won another install.
 */
export const fingerprintTrust: BatchSignal = {
  name: 'fingerprint_trust',
  async load(db, batch) {
    const needs = batch.map((s, k) => ({ s, k })).filter(({ s }) => s.install.ip && s.hours.fingerprint > 0 && s.clicks.some((c) => isFingerprintCandidate(s, c)));
    if (needs.length === 0) return;
    const candidates = needs.flatMap(({ s, k }) => s.clicks.filter((c) => isFingerprintCandidate(s, c)).map((c) => ({ s, k, id: c.id })));
    const [shared, consumed] = await Promise.all([
      namedQuery<{ k: number; n: number }>(db, 'lb_ip_installs', IP_INSTALLS_SQL, [
        needs.map((x) => x.k),
        needs.map((x) => x.s.install.app_id),
        needs.map((x) => x.s.install.ip),
        needs.map((x) => x.s.install.id),
        needs.map((x) => x.s.install.installed_at),
        needs.map((x) => x.s.hours.fingerprint),
      ]),
      namedQuery<{ k: number; touch_id: string }>(db, 'lb_consumed_touches', CONSUMED_SQL, [
        candidates.map((c) => c.k),
        candidates.map((c) => c.s.install.app_id),
        candidates.map((c) => c.id),
        candidates.map((c) => c.s.install.id),
      ]),
    ]);
    for (const r of shared) batch[r.k].ipInstalls = r.n;
    for (const r of consumed) batch[r.k].consumed.add(r.touch_id);
  },
};

export const BATCH_SIGNALS: readonly BatchSignal[] = [clickFlooding, clickSpam, fingerprintTrust, ...SOURCE_SIGNALS];

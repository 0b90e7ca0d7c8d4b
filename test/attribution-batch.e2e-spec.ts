import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createWorker } from '../apps/attribution-worker/src/worker.app';
import { AttributionService } from '../apps/attribution-worker/src/attribution/attribution.service';
import { postSigned, Sink, waitFor } from './support/http';
import { createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

/** Installs decided in batches: one query per kind of input for the batch, one statement for the decisions. */
describe('batch attribution with two workers', () => {
  let stack: Stack;
  let f: Fixture;
  let workers: INestApplicationContext[] = [];
  const sink = new Sink();
  const service = (i: number) => workers[i].get(AttributionService);

  beforeAll(async () => {
    const url = await sink.start();
    stack = await startStack({}, { worker: false });
    // Every synthetic click here sits a whole hour or more before its install, which the per-source CTIT rule reads
    // as no people (none within the first hour): this suite is about batching, so that rule is off.
    f = await createFixture(stack, { postbackUrl: `${url}/pb?i={install_id}&c={click_id}`, app: { fraudModes: { sourceCtit: 'off' } } });
    workers = [await createWorker(stack.config), await createWorker(stack.config)];
  });
  afterAll(async () => {
    for (const w of workers) await w.close();
    await stack?.close();
    await sink.stop();
  });

  async function clickAt(gaid: string, at: Date, networkClickId: string | null = null) {
    const id = randomUUID();
    await stack.db.query(
      'INSERT INTO clicks (id, app_id, campaign_id, ts, gaid, network_click_id) VALUES ($1, $2, $3, $4, $5, $6)',
      [id, f.appId, f.campaignId, at, gaid, networkClickId],
    );
    return id;
  }

  /** A pending install written straight to the table (no job), so the test decides when and where it is decided. */
  async function pendingInstall(gaid: string, at: Date, status = 'pending') {
    const id = randomUUID();
    await stack.db.query(
      `INSERT INTO installs (id, app_id, install_id, installed_at, gaid, status) VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, f.appId, `client-${id}`, at, gaid, status],
    );
    return id;
  }

  const ago = (ms: number) => new Date(Date.now() - ms);
  const HOUR = 3_600_000;

  it('two workers racing over the same installs decide each exactly once and owe one postback each', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      const gaid = `race-${i}`;
      await clickAt(gaid, ago(2 * HOUR), `net-${i}`);
      ids.push(await pendingInstall(gaid, ago(HOUR)));
    }
    const [a, b] = await Promise.all([service(0).attributeBatch(ids), service(1).attributeBatch([...ids].reverse())]);
    const bById = new Map([...ids].reverse().map((id, i) => [id, b[i]]));
    const outcomes = ids.map((id, i) => [a[i], bById.get(id)].sort());
    expect(outcomes).toEqual(ids.map(() => ['attributed', 'skipped']));
    const rows = await stack.db.query(
      `SELECT i.status, count(d.id)::int AS postbacks FROM installs i LEFT JOIN deliveries d ON d.subject_id = i.id
        WHERE i.id = ANY($1::uuid[]) GROUP BY i.id, i.status`,
      [ids],
    );
    expect(rows.rows).toHaveLength(150);
    expect(rows.rows.every((r) => r.status === 'attributed' && r.postbacks === 1)).toBe(true);
    // Asked again, nothing is decided a second time.
    expect(new Set(await service(0).attributeBatch(ids))).toEqual(new Set(['skipped']));
  });

  it('two installs of one device in the same batch: the later one is a reinstall of the earlier', async () => {
    await clickAt('same-device', ago(3 * HOUR));
    const later = await pendingInstall('same-device', ago(HOUR));
    const earlier = await pendingInstall('same-device', ago(2 * HOUR));
    const outcomes = await service(0).attributeBatch([later, earlier]);
    expect(outcomes).toEqual(['reinstall', 'attributed']);
    const [row] = (await stack.db.query('SELECT explanation FROM installs WHERE id = $1', [later])).rows;
    expect(row.explanation.reinstallOf.installId).toBe(earlier);
  });

  it('clicks after the install, more than the per-rule limit, never push the real candidate out', async () => {
    const installedAt = ago(2 * HOUR);
    const real = await clickAt('busy-device', ago(3 * HOUR));
    for (let i = 0; i < 80; i++) await clickAt('busy-device', new Date(installedAt.getTime() + (i + 1) * 1000));
    const id = await pendingInstall('busy-device', installedAt);
    expect(await service(1).attributeBatch([id])).toEqual(['attributed']);
    const [row] = (await stack.db.query('SELECT touch_id FROM installs WHERE id = $1', [id])).rows;
    expect(row.touch_id).toBe(real);
  });

  it('a device with many old installs is still a reinstall of its latest one inside the window', async () => {
    for (let i = 0; i < 70; i++) await pendingInstall('farm-device', ago((200 + i) * 24 * HOUR), 'organic');
    const recent = await pendingInstall('farm-device', ago(10 * 24 * HOUR), 'organic');
    const id = await pendingInstall('farm-device', ago(HOUR));
    expect(await service(0).attributeBatch([id])).toEqual(['reinstall']);
    const [row] = (await stack.db.query('SELECT explanation FROM installs WHERE id = $1', [id])).rows;
    expect(row.explanation.reinstallOf.installId).toBe(recent);
  });

  it('several earlier installs inside the reattribution window: the reinstall names the later one', async () => {
    // The later one stored first: a plan without an order meets the older ones first, whichever way it reads.
    const newer = await pendingInstall('twice-before', ago(2 * 24 * HOUR), 'organic');
    for (let d = 3; d <= 6; d++) await pendingInstall('twice-before', ago(d * 24 * HOUR), 'organic');
    const id = await pendingInstall('twice-before', ago(HOUR));
    expect(await service(0).attributeBatch([id])).toEqual(['reinstall']);
    const [row] = (await stack.db.query('SELECT explanation FROM installs WHERE id = $1', [id])).rows;
    expect(row.explanation.reinstallOf.installId).toBe(newer);
  });

  it('more clicks before the install than the per-rule limit: the newest one wins', async () => {
    const installedAt = ago(HOUR);
    let newest = '';
    for (let i = 80; i >= 1; i--) newest = await clickAt('many-before', new Date(installedAt.getTime() - i * 60_000));
    const id = await pendingInstall('many-before', installedAt);
    expect(await service(1).attributeBatch([id])).toEqual(['attributed']);
    const [row] = (await stack.db.query('SELECT touch_id FROM installs WHERE id = $1', [id])).rows;
    expect(row.touch_id).toBe(newest);
  });

  it('more clicks at one instant than the per-rule limit: the greatest id wins, as the decision rule says', async () => {
    const at = ago(2 * HOUR);
    const ids = Array.from({ length: 70 }, () => randomUUID()).sort();
    const greatest = ids[ids.length - 1];
    // Stored first, so a plan that reads this instant's clicks in storage order meets it last.
    for (const cid of [greatest, ...ids.slice(0, -1)]) {
      await stack.db.query('INSERT INTO clicks (id, app_id, campaign_id, ts, gaid) VALUES ($1, $2, $3, $4, $5)', [cid, f.appId, f.campaignId, at, 'one-instant']);
    }
    const id = await pendingInstall('one-instant', ago(HOUR));
    expect(await service(0).attributeBatch([id])).toEqual(['attributed']);
    const [row] = (await stack.db.query('SELECT touch_id FROM installs WHERE id = $1', [id])).rows;
    expect(row.touch_id).toBe(greatest);
  });

  it('two installs of one batch with clicks from one address: each is judged on the devices inside its own window', async () => {
    // From 198.51.100.7: 150 devices 230 h ago and 400 devices 200 h ago (inside the earlier install's window only),
    // 400 devices 50 h ago (inside the later one's only). Together far over the click-spam threshold of 500.
    const address = '198.51.100.7';
    const crowd = async (prefix: string, n: number, hoursAgo: number) =>
      stack.db.query(
        `INSERT INTO clicks (id, app_id, campaign_id, ts, gaid, ip)
         SELECT gen_random_uuid(), $1, $2, $3, $4 || g, $5::inet FROM generate_series(1, $6::int) g`,
        [f.appId, f.campaignId, ago(hoursAgo * HOUR), `${prefix}-`, address, n],
      );
    await crowd('old-crowd', 150, 230);
    await crowd('mid-crowd', 400, 200);
    await crowd('new-crowd', 400, 50);
    const own = async (gaid: string, hoursAgo: number) => {
      const id = randomUUID();
      await stack.db.query('INSERT INTO clicks (id, app_id, campaign_id, ts, gaid, ip) VALUES ($1, $2, $3, $4, $5, $6::inet)', [id, f.appId, f.campaignId, ago(hoursAgo * HOUR), gaid, address]);
      return id;
    };
    // The campaigns' click window is 7 days (168 h): the earlier install sees 150 + 400 + its own device (551),
    // the later one 400 + both own devices (402).
    const earlierClick = await own('shared-early', 150);
    const laterClick = await own('shared-late', 2);
    const earlier = await pendingInstall('shared-early', ago(100 * HOUR));
    const later = await pendingInstall('shared-late', ago(HOUR));
    expect(await service(0).attributeBatch([earlier, later])).toEqual(['organic', 'attributed']);
    const rows: { id: string; touch_id: string | null; explanation: { candidates: unknown[] } }[] = (
      await stack.db.query('SELECT id, touch_id, explanation FROM installs WHERE id = ANY($1::uuid[])', [[earlier, later]])
    ).rows;
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(earlier)?.explanation.candidates).toEqual([expect.objectContaining({ touchId: earlierClick, won: false, reason: 'click_spam' })]);
    expect(byId.get(later)?.touch_id).toBe(laterClick);
  });

  it('installs sent through ingestion are each decided once by the two workers, and posted back once', async () => {
    const gaids = Array.from({ length: 60 }, (_, i) => `queued-${i}`);
    for (const g of gaids) await clickAt(g, ago(HOUR));
    const answers = await Promise.all(
      gaids.map((g) =>
        postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
          appId: f.appId,
          installId: `inst-${g}`,
          installedAt: new Date().toISOString(),
          device: { gaid: g },
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(gaids.map(() => 202));
    const ids = answers.map((r) => r.body.id as string);
    await waitFor(async () => {
      const n = await stack.db.query(`SELECT count(*)::int AS n FROM installs WHERE id = ANY($1::uuid[]) AND status = 'attributed'`, [ids]);
      return n.rows[0].n === ids.length;
    }, 'every install to be decided');
    await waitFor(async () => ids.every((id) => sink.received.some((r) => r.url.includes(id))), 'every postback');
    const per = await stack.db.query(
      `SELECT subject_id, count(*)::int AS n FROM deliveries WHERE subject_id = ANY($1::uuid[]) GROUP BY subject_id`,
      [ids],
    );
    expect(per.rows).toHaveLength(ids.length);
    expect(per.rows.every((r) => r.n === 1)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    for (const id of ids) expect(sink.received.filter((r) => r.url.includes(id))).toHaveLength(1);
  });
});

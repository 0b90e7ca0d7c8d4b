import { postSigned } from './support/http';
import { createFixture, decidedInstall, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

/** The same Android phone: Chrome made the click, the app (Dalvik) reported the install. */
const DALVIK = 'Dalvik/2.1.0 (Linux; U; Android 14; SM-A546B Build/UP1A.231005.007)';
const UA_KEY = 'android|14.0|sm-a546b';

interface Candidate {
  touchId: string;
  rule: string;
  won: boolean;
  reason?: string;
}

/**
 * Organic poaching and carrier NAT through the real ingestion, worker and admin API: click spam from harvested
 * advertising ids, fingerprints behind a shared address, and one fingerprint click crediting one install. Clicks
 * are seeded in SQL at chosen times and addresses (thousands of them, as a click server sends).
 */
describe('organic poaching and shared addresses, end to end', () => {
  let stack: Stack;
  let seq = 0;

  beforeAll(async () => {
    stack = await startStack({ CACHE_TTL_MS: '0' });
  });
  afterAll(() => stack?.close());

  const decided = (id: string) => decidedInstall(stack, id);
  async function install(f: Fixture, body: Record<string, unknown>) {
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: `poach-${++seq}`,
      installedAt: new Date().toISOString(),
      userAgent: DALVIK,
      ...body,
    });
    expect(res.status).toBe(202);
    return decided(res.body.id);
  }
  /** Clicks of the fixture's campaign at `ageMs` before now; answers their ids in order. */
  async function clicks(f: Fixture, rows: { gaid?: string; ip: string; uaKey?: string; ageMs: number }[]): Promise<string[]> {
    const res = await stack.db.query(
      `INSERT INTO clicks (id, app_id, campaign_id, ts, gaid, ip, ua_key)
       SELECT gen_random_uuid(), $1, $2, now() - make_interval(secs => a / 1000.0), g, ip::inet, ua
         FROM unnest($3::text[], $4::text[], $5::text[], $6::float8[]) WITH ORDINALITY AS t(g, ip, ua, a, n)
        ORDER BY n
       RETURNING id`,
      [f.appId, f.campaignId, rows.map((r) => r.gaid ?? null), rows.map((r) => r.ip), rows.map((r) => r.uaKey ?? null), rows.map((r) => r.ageMs)],
    );
    return res.rows.map((r: { id: string }) => r.id);
  }
  const candidate = (i: { explanation: { candidates: Candidate[] } }, touchId: string) => i.explanation.candidates.find((c) => c.touchId === touchId);
  const gaid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

  describe('click spam: a server clicking for harvested advertising ids', () => {
    async function spammed(fraudModes?: Record<string, string>) {
      // The spam's 1,000 clicks share the person's source (one campaign, no site_id) and convert nothing: the
      // per-source conversion rule would exclude the person's click too. Off here, to see click_spam alone.
      const f = await createFixture(stack, { app: { fraudModes: { sourceConversion: 'off', ...fraudModes } } });
      // 1,001 devices clicked from one address in the last day (the threshold is 500); one of them later installs without any ad.
      await clicks(f, Array.from({ length: 1000 }, (_, n) => ({ gaid: gaid(n + 1), ip: '198.18.0.9', ageMs: 3_600_000 + n * 1000 })));
      const [harvested] = await clicks(f, [{ gaid: gaid(424242), ip: '198.18.0.9', ageMs: 2 * 3_600_000 }]);
      return { f, harvested };
    }

    it('enforced: the organic installer stays organic; the explanation names click_spam', async () => {
      const { f, harvested } = await spammed();
      const i = await install(f, { device: { gaid: gaid(424242) }, ip: '203.0.113.50' });
      expect(i).toMatchObject({ status: 'organic', campaignId: null });
      expect(candidate(i, harvested)).toMatchObject({ rule: 'device_id', won: false, reason: 'click_spam' });
    });

    it('a person\'s own click from an ordinary address still wins', async () => {
      const { f } = await spammed();
      const [own] = await clicks(f, [{ gaid: gaid(424242), ip: '203.0.113.51', ageMs: 5 * 3_600_000 }]);
      const i = await install(f, { device: { gaid: gaid(424242) }, ip: '203.0.113.50' });
      expect(i).toMatchObject({ status: 'attributed', matchType: 'device_id', clickId: own });
    });

    it('in shadow mode the spam click wins and explanation.shadow says it would be excluded', async () => {
      const { f, harvested } = await spammed({ clickSpam: 'shadow' });
      const i = await install(f, { device: { gaid: gaid(424242) }, ip: '203.0.113.50' });
      expect(i).toMatchObject({ status: 'attributed', clickId: harvested });
      expect(i.explanation.shadow).toEqual([{ rule: 'click_spam', effect: 'would_exclude_touch', touchId: harvested }]);
    });
  });

  describe('shared address (carrier NAT): fingerprints only inside one hour', () => {
    async function behindNat(others: number) {
      const f = await createFixture(stack);
      for (let n = 0; n < others; n++) await install(f, { ip: '100.64.0.1', userAgent: `Dalvik/2.1.0 (Linux; U; Android 13; Phone ${n})` });
      return f;
    }

    it('with 10 other installs from the address, a 2-hour-old fingerprint click does not win; a 30-minute-old one does', async () => {
      const f = await behindNat(10);
      const [old] = await clicks(f, [{ ip: '100.64.0.1', uaKey: UA_KEY, ageMs: 2 * 3_600_000 }]);
      const a = await install(f, { ip: '100.64.0.1' });
      expect(a).toMatchObject({ status: 'organic' });
      expect(candidate(a, old)).toMatchObject({ rule: 'fingerprint', won: false, reason: 'shared_ip' });
      const [recent] = await clicks(f, [{ ip: '100.64.0.1', uaKey: UA_KEY, ageMs: 30 * 60_000 }]);
      const b = await install(f, { ip: '100.64.0.1' });
      expect(b).toMatchObject({ status: 'attributed', matchType: 'fingerprint', clickId: recent });
    });

    it('with fewer other installs the campaign\'s fingerprint window holds', async () => {
      const f = await behindNat(3);
      const [old] = await clicks(f, [{ ip: '100.64.0.1', uaKey: UA_KEY, ageMs: 2 * 3_600_000 }]);
      expect(await install(f, { ip: '100.64.0.1' })).toMatchObject({ status: 'attributed', matchType: 'fingerprint', clickId: old });
    });
  });

  describe('one fingerprint click credits one install', () => {
    it('the second look-alike install does not take the click the first one won', async () => {
      const f = await createFixture(stack);
      const [c] = await clicks(f, [{ ip: '203.0.113.77', uaKey: UA_KEY, ageMs: 3_600_000 }]);
      const first = await install(f, { ip: '203.0.113.77' });
      expect(first).toMatchObject({ status: 'attributed', matchType: 'fingerprint', clickId: c });
      const second = await install(f, { ip: '203.0.113.77' });
      expect(second).toMatchObject({ status: 'organic' });
      expect(candidate(second, c)).toMatchObject({ rule: 'fingerprint', won: false, reason: 'touch_consumed' });
    });

    it('off (per app): both take it, as before the rule', async () => {
      const f = await createFixture(stack, { app: { fraudModes: { touchConsumed: 'off' } } });
      const [c] = await clicks(f, [{ ip: '203.0.113.78', uaKey: UA_KEY, ageMs: 3_600_000 }]);
      expect(await install(f, { ip: '203.0.113.78' })).toMatchObject({ status: 'attributed', clickId: c });
      expect(await install(f, { ip: '203.0.113.78' })).toMatchObject({ status: 'attributed', clickId: c });
    });
  });

  it('replay with the new rules off moves the installs they kept organic back to the campaign (dry run)', async () => {
    const f = await createFixture(stack);
    const [c] = await clicks(f, [{ ip: '203.0.113.79', uaKey: UA_KEY, ageMs: 3_600_000 }]);
    await install(f, { ip: '203.0.113.79' });
    const second = await install(f, { ip: '203.0.113.79' });
    expect(second.status).toBe('organic');
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const replay = await stack.admin('POST', '/v1/attribution/replay', { appId: f.appId, from, to, overrides: { fraudModes: { touchConsumed: 'off' } } });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ installs: 2, moved: 1, unchanged: 1 });
    expect(replay.body.moves).toEqual([
      expect.objectContaining({
        from: { status: 'organic', campaignId: null },
        to: { status: 'attributed', campaignId: f.campaignId },
        examples: [expect.objectContaining({ installId: second.id, toMatchType: 'fingerprint', summary: expect.stringContaining(c) })],
      }),
    ]);
  });
});

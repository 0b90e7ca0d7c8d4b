import { uuidv7 } from '../libs/domain/src';
import { postSigned, Sink, waitFor } from './support/http';
import { click, clickIdFrom, createFixture, decidedInstall, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

/** The same Pixel 8 on Android 14: Chrome clicked the ad, the app (Dalvik) reported the install. */
const CHROME_PIXEL_8 =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36';
const DALVIK_PIXEL_8 = 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A.240105.004)';
const DALVIK_PIXEL_7 = 'Dalvik/2.1.0 (Linux; U; Android 14; Pixel 7 Build/UQ1A.240105.004)';
const PIXEL_8_KEY = 'android|14.0|pixel 8';

/** Where ingestion sees the test's requests come from (and the only address a fingerprint can match). */
const LOCAL_IP = '127.0.0.1';
/** An address nothing in these tests clicks from: installs sent from it cannot match by fingerprint. */
const ELSEWHERE = '203.0.113.200';
const BLOCKED_NET = '198.51.100.0/24';
const BLOCKED_IP = '198.51.100.7';

/** The 1×1 transparent GIF the impression pixel must answer with, byte for byte. */
const GIF_1X1 = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

interface Candidate {
  touchId: string;
  kind: 'click' | 'impression';
  campaignId: string;
  rule: string;
  won: boolean;
  reason?: string;
}

/**
 * Each attribution rule and each fraud rule through the real ingestion, worker and admin API, on real
 * PostgreSQL and Redis. Every test has an app of its own, so IP-based lookups (fingerprint, flood counts)
 * only ever see that test's clicks.
 */
describe('attribution rules and fraud rules, end to end', () => {
  let stack: Stack;
  const sink = new Sink();
  let sinkUrl: string;
  let seq = 0;

  beforeAll(async () => {
    sinkUrl = await sink.start();
    // Settings are PATCHed in some tests: ingestion must not serve a cached app or campaign.
    stack = await startStack({ CACHE_TTL_MS: '0' });
  });
  afterAll(async () => {
    await stack?.close();
    await sink.stop();
  });

  /** Above the worker's default minimum click-to-install time of 10 s for a click made just now. */
  const inAMinute = (extraSeconds = 0) => new Date(Date.now() + (60 + extraSeconds) * 1000).toISOString();
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const decided = (id: string) => decidedInstall(stack, id);

  /** Sends a signed install and answers the decision the worker made for it. */
  async function install(f: Fixture, body: Record<string, unknown>) {
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: `rules-${++seq}`,
      installedAt: inAMinute(),
      ...body,
    });
    expect(res.status).toBe(202);
    return decided(res.body.id);
  }

  /** A click through the tracking link; answers its Lookback click id. */
  async function clickId(campaignId: string, query: string, headers: Record<string, string> = {}): Promise<string> {
    const c = await click(stack, campaignId, query, headers);
    expect(c.status).toBe(302);
    const id = clickIdFrom(c.location!);
    await pause(5); // distinct timestamps, so "latest touch" is unambiguous
    return id;
  }

  const candidate = (i: { explanation: { candidates: Candidate[] } }, touchId: string) => {
    const found = i.explanation.candidates.filter((c) => c.touchId === touchId);
    expect(found).toHaveLength(1);
    return found[0];
  };

  describe('fingerprint (same IP and normalized User-Agent)', () => {
    it('attributes an install to the click of the same phone in another browser or app', async () => {
      const f = await createFixture(stack);
      const clicked = await clickId(f.campaignId, 'site_id=s1', { 'user-agent': CHROME_PIXEL_8 });
      const stored = await stack.db.query('SELECT host(ip) AS ip, ua_key FROM clicks WHERE id = $1', [clicked]);
      expect(stored.rows).toEqual([{ ip: LOCAL_IP, ua_key: PIXEL_8_KEY }]);

      const i = await install(f, { ip: LOCAL_IP, userAgent: DALVIK_PIXEL_8 });
      expect(i).toMatchObject({ status: 'attributed', matchType: 'fingerprint', campaignId: f.campaignId, clickId: clicked });
      expect(i.explanation.rule).toBe('fingerprint');
      expect(i.explanation.winner).toMatchObject({ touchId: clicked, lookbackHours: 24 });
      expect(i.explanation.shadow).toBeUndefined();

      // Another phone model behind the same address is not the same device.
      const other = await install(f, { ip: LOCAL_IP, userAgent: DALVIK_PIXEL_7 });
      expect(other).toMatchObject({ status: 'organic', matchType: null, clickId: null });
      expect(other.explanation.candidates).toEqual([]);
    });

    it('does not fingerprint an install whose consent.attribution is false', async () => {
      const f = await createFixture(stack);
      const clicked = await clickId(f.campaignId, '', { 'user-agent': CHROME_PIXEL_8 });
      const i = await install(f, { ip: LOCAL_IP, userAgent: DALVIK_PIXEL_8, consent: { attribution: false } });
      expect(i).toMatchObject({ status: 'organic', matchType: null, campaignId: null, clickId: null });
      expect(i.explanation.candidates).toEqual([
        expect.objectContaining({ touchId: clicked, rule: 'fingerprint', won: false, reason: 'no_consent' }),
      ]);

      // Consent given explicitly: the same click counts.
      const allowed = await install(f, { ip: LOCAL_IP, userAgent: DALVIK_PIXEL_8, consent: { attribution: true } });
      expect(allowed).toMatchObject({ status: 'attributed', matchType: 'fingerprint', clickId: clicked });
    });

    it('is off for a campaign whose fingerprintLookbackHours is 0', async () => {
      const f = await createFixture(stack, { campaign: { fingerprintLookbackHours: 0 } });
      const clicked = await clickId(f.campaignId, '', { 'user-agent': CHROME_PIXEL_8 });
      const i = await install(f, { ip: LOCAL_IP, userAgent: DALVIK_PIXEL_8 });
      expect(i).toMatchObject({ status: 'organic', matchType: null, clickId: null });
      expect(i.explanation.candidates).toEqual([
        expect.objectContaining({ touchId: clicked, rule: 'fingerprint', won: false, reason: 'fingerprint_off' }),
      ]);
    });
  });

  it('attributes view-through to an impression of the same advertising id; the pixel is the exact 1×1 GIF', async () => {
    const f = await createFixture(stack);
    const gaid = '5a5a5a5a-1111-4222-8333-444455556666';
    const res = await fetch(`${stack.ingestionUrl}/i/${f.campaignId}?gaid=${gaid}&site_id=feed`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(43);
    expect(body.equals(GIF_1X1)).toBe(true);

    const rows = await stack.db.query('SELECT id, campaign_id, gaid, site_id FROM impressions WHERE app_id = $1', [f.appId]);
    expect(rows.rows).toEqual([{ id: expect.any(String), campaign_id: f.campaignId, gaid, site_id: 'feed' }]);
    const impressionId = rows.rows[0].id as string;

    const i = await install(f, { ip: ELSEWHERE, device: { gaid } });
    expect(i).toMatchObject({
      status: 'attributed',
      matchType: 'view_through',
      campaignId: f.campaignId,
      impressionId,
      clickId: null,
    });
    expect(i.explanation.winner).toMatchObject({ touchId: impressionId, kind: 'impression', lookbackHours: 24 });

    // Another device's install does not inherit the impression.
    const stranger = await install(f, { ip: ELSEWHERE, device: { gaid: '5a5a5a5a-1111-4222-8333-000000000000' } });
    expect(stranger.status).toBe('organic');
  });

  it('prefers the deterministic device-id click over a newer fingerprint click', async () => {
    const f = await createFixture(stack);
    const gaid = '6b6b6b6b-1111-4222-8333-444455556666';
    const deviceClick = await clickId(f.campaignId, `gaid=${gaid}`); // "node" User-Agent: no fingerprint
    const fingerprintClick = await clickId(f.campaignId, '', { 'user-agent': CHROME_PIXEL_8 });

    const i = await install(f, { ip: LOCAL_IP, userAgent: DALVIK_PIXEL_8, device: { gaid } });
    expect(i).toMatchObject({ status: 'attributed', matchType: 'device_id', clickId: deviceClick });
    expect(candidate(i, fingerprintClick)).toMatchObject({ rule: 'fingerprint', won: false, reason: 'lower_priority_rule' });
  });

  describe('IP blocklist', () => {
    /** An older click of the device from a clean address, then a newer one from a blocklisted address. */
    async function cleanThenBlocked(f: Fixture, gaid: string) {
      const clean = await clickId(f.campaignId, `gaid=${gaid}`);
      const blocked = await clickId(f.campaignId, `gaid=${gaid}`, { 'x-forwarded-for': BLOCKED_IP });
      const ip = await stack.db.query('SELECT host(ip) AS ip FROM clicks WHERE id = $1', [blocked]);
      expect(ip.rows).toEqual([{ ip: BLOCKED_IP }]); // ingestion trusts the loopback proxy's X-Forwarded-For
      return { clean, blocked };
    }

    it('enforced: a click from a blocklisted address never wins', async () => {
      const f = await createFixture(stack, { app: { ipBlocklist: [BLOCKED_NET] } });
      const gaid = '7c7c7c7c-1111-4222-8333-444455556666';
      const { clean, blocked } = await cleanThenBlocked(f, gaid);
      const i = await install(f, { ip: ELSEWHERE, device: { gaid } });
      expect(i).toMatchObject({ status: 'attributed', matchType: 'device_id', clickId: clean });
      expect(candidate(i, blocked)).toMatchObject({ won: false, reason: 'blocked' });
      expect(i.explanation.shadow).toBeUndefined();

      // When the blocked click is the only one, the install is organic.
      const lone = '7c7c7c7c-1111-4222-8333-000000000001';
      const onlyBlocked = await clickId(f.campaignId, `gaid=${lone}`, { 'x-forwarded-for': BLOCKED_IP });
      const organic = await install(f, { ip: ELSEWHERE, device: { gaid: lone } });
      expect(organic).toMatchObject({ status: 'organic', clickId: null, campaignId: null });
      expect(organic.explanation.candidates).toEqual([
        expect.objectContaining({ touchId: onlyBlocked, won: false, reason: 'blocked' }),
      ]);
    });

    it('in shadow mode (set by PATCH): the blocklisted click wins and explanation.shadow says what enforcing would do', async () => {
      const f = await createFixture(stack, { app: { ipBlocklist: [BLOCKED_NET] } });
      const patched = await stack.admin('PATCH', `/v1/apps/${f.appId}`, { fraudModes: { ipBlocklist: 'shadow' } });
      expect(patched.status).toBe(200);
      expect(patched.body.fraudModes.ipBlocklist).toBe('shadow');

      const gaid = '8d8d8d8d-1111-4222-8333-444455556666';
      const { clean, blocked } = await cleanThenBlocked(f, gaid);
      const i = await install(f, { ip: ELSEWHERE, device: { gaid } });
      expect(i).toMatchObject({ status: 'attributed', matchType: 'device_id', clickId: blocked });
      expect(i.explanation.shadow).toEqual([{ rule: 'ip_blocklist', effect: 'would_exclude_touch', touchId: blocked }]);
      expect(candidate(i, clean)).toMatchObject({ won: false, reason: 'older_touch' });
    });
  });

  describe('click flooding (more clicks from one IP than clickFloodThreshold)', () => {
    async function floodedApp(clicks: number, fraudModes?: Record<string, string>) {
      const f = await createFixture(stack, { app: { clickFloodThreshold: 3, ...(fraudModes ? { fraudModes } : {}) } });
      const ids: string[] = [];
      for (let n = 0; n < clicks; n++) ids.push(await clickId(f.campaignId, `site_id=s${n}`, { 'user-agent': CHROME_PIXEL_8 }));
      return { f, ids };
    }

    it('enforced: with 4 clicks against a threshold of 3, no fingerprint click wins', async () => {
      const { f, ids } = await floodedApp(4);
      const i = await install(f, { ip: LOCAL_IP, userAgent: DALVIK_PIXEL_8 });
      expect(i).toMatchObject({ status: 'organic', matchType: null, clickId: null });
      expect(i.explanation.candidates).toHaveLength(4);
      for (const id of ids) expect(candidate(i, id)).toMatchObject({ rule: 'fingerprint', won: false, reason: 'click_flooding' });
      expect(i.explanation.summary).toMatch(/click_flooding/);
    });

    it('at the threshold (3 clicks, threshold 3) the latest fingerprint click still wins', async () => {
      const { f, ids } = await floodedApp(3);
      const i = await install(f, { ip: LOCAL_IP, userAgent: DALVIK_PIXEL_8 });
      expect(i).toMatchObject({ status: 'attributed', matchType: 'fingerprint', clickId: ids[2] });
      expect(i.explanation.shadow).toBeUndefined();
    });

    it('in shadow mode: the latest fingerprint click wins and explanation.shadow records the flood', async () => {
      const { f, ids } = await floodedApp(4, { clickFlooding: 'shadow' });
      const i = await install(f, { ip: LOCAL_IP, userAgent: DALVIK_PIXEL_8 });
      expect(i).toMatchObject({ status: 'attributed', matchType: 'fingerprint', clickId: ids[3] });
      expect(i.explanation.shadow).toEqual([{ rule: 'click_flooding', effect: 'would_exclude_touch', touchId: ids[3] }]);
      expect(i.explanation.summary).toMatch(/Shadow mode: click_flooding/);
    });

    it('does not stop a device-id match', async () => {
      const { f } = await floodedApp(4);
      const gaid = '9e9e9e9e-1111-4222-8333-444455556666';
      const deviceClick = await clickId(f.campaignId, `gaid=${gaid}`, { 'user-agent': CHROME_PIXEL_8 });
      const i = await install(f, { ip: LOCAL_IP, userAgent: DALVIK_PIXEL_8, device: { gaid } });
      expect(i).toMatchObject({ status: 'attributed', matchType: 'device_id', clickId: deviceClick });
    });
  });

  describe('click injection (click-to-install time under minCtitSeconds)', () => {
    async function injected(fraudModes?: Record<string, string>) {
      const f = await createFixture(stack, { app: { minCtitSeconds: 3600, ...(fraudModes ? { fraudModes } : {}) } });
      const gaid = 'afafafaf-1111-4222-8333-444455556666';
      const clicked = await clickId(f.campaignId, `gaid=${gaid}`);
      const i = await install(f, { ip: ELSEWHERE, device: { gaid } });
      return { f, clicked, i };
    }

    it('enforced: the install is rejected and the explanation names the rule and the minimum', async () => {
      const { f, clicked, i } = await injected();
      expect(i).toMatchObject({ status: 'rejected', matchType: 'device_id', campaignId: f.campaignId, clickId: clicked });
      expect(i.ctitSeconds).toBeGreaterThanOrEqual(59);
      expect(i.ctitSeconds).toBeLessThan(3600);
      expect(i.explanation.rejection).toEqual({ reason: 'click_injection', minCtitSeconds: 3600 });
      expect(i.explanation.summary).toMatch(/^Rejected as click injection/);
    });

    it('in shadow mode: the install is attributed and explanation.shadow says it would be rejected', async () => {
      const { f, clicked, i } = await injected({ clickInjection: 'shadow' });
      expect(i).toMatchObject({ status: 'attributed', matchType: 'device_id', campaignId: f.campaignId, clickId: clicked });
      expect(i.explanation.rejection).toBeUndefined();
      expect(i.explanation.shadow).toEqual([{ rule: 'click_injection', effect: 'would_reject', touchId: clicked }]);
    });

    it('off: the install is attributed with neither rejection nor shadow note', async () => {
      const { clicked, i } = await injected({ clickInjection: 'off' });
      expect(i).toMatchObject({ status: 'attributed', clickId: clicked });
      expect(i.explanation.rejection).toBeUndefined();
      expect(i.explanation.shadow).toBeUndefined();
    });
  });

  it('treats a second install of the same device inside reattributionDays as a reinstall and posts back once', async () => {
    const f = await createFixture(stack, { postbackUrl: `${sinkUrl}/reinstall?i={install_id}&c={lookback_click_id}` });
    const gaid = 'b0b0b0b0-1111-4222-8333-444455556666';
    const firstClick = await clickId(f.campaignId, `gaid=${gaid}`);
    const first = await install(f, { ip: ELSEWHERE, device: { gaid } });
    expect(first).toMatchObject({ status: 'attributed', clickId: firstClick });
    await waitFor(async () => sink.received.some((r) => r.url.includes(first.id)), 'postback of the first install');

    // A fresh click that would earn the second install, were it not a reinstall.
    await clickId(f.campaignId, `gaid=${gaid}`);
    const second = await install(f, { ip: ELSEWHERE, device: { gaid }, installedAt: inAMinute(60) });
    expect(second).toMatchObject({ status: 'reinstall', campaignId: null, matchType: null, clickId: null });
    expect(second.explanation.reinstallOf).toEqual({
      installId: first.id,
      installedAt: new Date(first.installedAt).toISOString(),
      reattributionDays: 90,
    });

    await pause(500); // time for a wrongly owed postback to arrive
    const postbacks = sink.received.filter((r) => r.url.startsWith('/reinstall'));
    expect(postbacks).toHaveLength(1);
    expect(new URL(postbacks[0].url, sinkUrl).searchParams.get('i')).toBe(first.id);
    const owed = await stack.db.query('SELECT count(*)::int AS n FROM deliveries WHERE subject_id = $1', [second.id]);
    expect(owed.rows[0].n).toBe(0);
  });

  it('applies each campaign its own click lookback window', async () => {
    const f = await createFixture(stack, { campaign: { clickLookbackHours: 1 } });
    const long = await stack.admin('POST', '/v1/campaigns', {
      appId: f.appId,
      networkId: f.networkId,
      name: 'Long window',
      destinationUrl: 'https://example.com/?c={lookback_click_id}',
    });
    expect(long.status).toBe(201);
    expect(long.body.clickLookbackHours).toBe(168);

    const gaid = 'c1c1c1c1-1111-4222-8333-444455556666';
    const clickAgo = async (campaignId: string, hours: number) => {
      const ts = Date.now() - hours * 3_600_000;
      const id = uuidv7(ts);
      await stack.db.query(
        `INSERT INTO clicks (id, app_id, campaign_id, ts, gaid, ip, user_agent, ua_key) VALUES ($1, $2, $3, $4, $5, $6, 'node', 'other|node|')`,
        [id, f.appId, campaignId, new Date(ts), gaid, LOCAL_IP],
      );
      return id;
    };
    // The newer click is 2 h old, outside its campaign's 1 h window; the older one is inside 168 h.
    const shortWindowClick = await clickAgo(f.campaignId, 2);
    const longWindowClick = await clickAgo(long.body.id, 3);

    const i = await install(f, { ip: ELSEWHERE, device: { gaid } });
    expect(i).toMatchObject({ status: 'attributed', matchType: 'device_id', campaignId: long.body.id, clickId: longWindowClick });
    expect(i.explanation.winner.lookbackHours).toBe(168);
    expect(candidate(i, shortWindowClick)).toMatchObject({ campaignId: f.campaignId, won: false, reason: 'outside_window' });

    // With only the short-window campaign's click, the install is organic.
    const alone = 'c1c1c1c1-1111-4222-8333-000000000002';
    const old = uuidv7(Date.now() - 2 * 3_600_000);
    await stack.db.query(`INSERT INTO clicks (id, app_id, campaign_id, ts, gaid) VALUES ($1, $2, $3, now() - interval '2 hours', $4)`, [
      old,
      f.appId,
      f.campaignId,
      alone,
    ]);
    const organic = await install(f, { ip: ELSEWHERE, device: { gaid: alone } });
    expect(organic).toMatchObject({ status: 'organic', clickId: null });
    expect(organic.explanation.candidates).toEqual([expect.objectContaining({ touchId: old, reason: 'outside_window' })]);
  });
});

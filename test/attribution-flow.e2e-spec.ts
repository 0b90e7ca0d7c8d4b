import { postSigned, Sink, waitFor } from './support/http';
import { click, clickIdFrom, createFixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

const ANDROID_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240105.004; wv) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36';

describe('click → install → attribution → postback, through the real processes', () => {
  let stack: Stack;
  const sink = new Sink();
  let sinkUrl: string;

  beforeAll(async () => {
    sinkUrl = await sink.start();
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
    await sink.stop();
  });

  const installedAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

  async function decided(id: string) {
    return waitFor(async () => {
      const r = await stack.admin('GET', `/v1/installs/${id}`);
      return r.status === 200 && r.body.status !== 'pending' ? r.body : undefined;
    }, `decision of install ${id}`);
  }

  it('attributes an install to the device-id click and posts back to the network once', async () => {
    const f = await createFixture(stack, {
      postbackUrl: `${sinkUrl}/postback?clk={click_id}&lbc={lookback_click_id}&inst={install_id}&cmp={campaign_id}&m={match_type}&g={gaid}`,
    });
    const gaid = '38400000-8cf0-11bd-b23e-10b96e40000d';
    const c = await click(stack, f.campaignId, `click_id=net-123&gaid=${gaid}&site_id=s1`, { 'user-agent': ANDROID_UA });
    expect(c.status).toBe(302);
    const lookbackClickId = clickIdFrom(c.location!);
    expect(c.location).toContain('https://play.google.com/store/apps/details?id=com.example.gems');

    // The click is committed before the redirect is answered.
    const rows = await stack.db.query('SELECT network_click_id, gaid, site_id FROM clicks WHERE id = $1', [lookbackClickId]);
    expect(rows.rows).toEqual([{ network_click_id: 'net-123', gaid, site_id: 's1' }]);

    await new Promise((r) => setTimeout(r, 20));
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'device-install-1',
      installedAt: new Date(Date.now() + 60_000).toISOString(),
      device: { gaid: gaid.toUpperCase() },
    });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: expect.any(String), status: 'pending' });

    const install = await decided(res.body.id);
    expect(install).toMatchObject({
      status: 'attributed',
      campaignId: f.campaignId,
      matchType: 'device_id',
      clickId: lookbackClickId,
    });
    expect(install.explanation.summary).toMatch(/Attributed by device_id/);
    expect(install.explanation.winner.lookbackHours).toBe(168);

    const postback = await waitFor(async () => sink.received.find((r) => r.url.includes(res.body.id)), 'postback');
    const q = new URL(postback.url, sinkUrl).searchParams;
    expect(postback.method).toBe('GET');
    expect(Object.fromEntries(q)).toEqual({
      clk: 'net-123',
      lbc: lookbackClickId,
      inst: res.body.id,
      cmp: f.campaignId,
      m: 'device_id',
      g: gaid,
    });

    const deliveries = await waitFor(async () => {
      const d = await stack.admin('GET', `/v1/deliveries?kind=postback&subjectId=${res.body.id}`);
      return d.body.items[0]?.status === 'delivered' ? d.body : undefined;
    }, 'delivered status');
    expect(deliveries.items).toHaveLength(1);
    expect(deliveries.items[0].attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, error: null })]);

    // Sending the install again changes nothing and owes nothing more.
    const again = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'device-install-1',
      installedAt: new Date().toISOString(),
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ id: res.body.id, status: 'attributed' });
    await new Promise((r) => setTimeout(r, 300));
    expect(sink.received.filter((r) => r.url.includes(res.body.id))).toHaveLength(1);
  });

  it('attributes by the click id in the referrer over a newer device-id click of another campaign', async () => {
    const f = await createFixture(stack);
    const other = await createFixture(stack);
    const idfa = 'aaaaaaaa-1111-2222-3333-444444444444';
    const first = await click(stack, f.campaignId, `idfa=${idfa}`);
    const referrerClick = clickIdFrom(first.location!);
    // A newer device-id click on another app's campaign must not interfere (touches are per app) …
    await click(stack, other.campaignId, `idfa=${idfa}`);
    // … and a newer device-id click of the same app loses to the referrer's click id.
    const second = await createCampaign(stack, f.appId, f.networkId);
    await click(stack, second, `idfa=${idfa}`);

    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'ref-1',
      installedAt: new Date(Date.now() + 30_000).toISOString(),
      device: { idfa },
      referrer: `utm_source=adnet&lookback_click_id=${referrerClick}`,
    });
    expect(res.status).toBe(202);
    const install = await decided(res.body.id);
    expect(install).toMatchObject({ status: 'attributed', matchType: 'click_id', campaignId: f.campaignId, clickId: referrerClick });
    const lost = install.explanation.candidates.filter((c: { won: boolean }) => !c.won);
    expect(lost).toEqual([expect.objectContaining({ campaignId: second, reason: 'lower_priority_rule', rule: 'device_id' })]);
  });

  it('decides organic when no touch matches, and says so', async () => {
    const f = await createFixture(stack);
    await click(stack, f.campaignId, 'gaid=11111111-2222-3333-4444-555555555555');
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'organic-1',
      installedAt: installedAgo(0),
      ip: '203.0.113.50',
      device: { gaid: '99999999-2222-3333-4444-555555555555' },
    });
    const install = await decided(res.body.id);
    expect(install).toMatchObject({ status: 'organic', campaignId: null, matchType: null, clickId: null });
    expect(install.explanation.summary).toMatch(/^Organic/);
  });

  it('treats an all-zero advertising id as no id at all', async () => {
    const f = await createFixture(stack);
    const zero = '00000000-0000-0000-0000-000000000000';
    const c = await click(stack, f.campaignId, `gaid=${zero}`);
    const id = clickIdFrom(c.location!);
    const stored = await stack.db.query('SELECT gaid FROM clicks WHERE id = $1', [id]);
    expect(stored.rows[0].gaid).toBeNull();
    await new Promise((r) => setTimeout(r, 20));
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'zero-1',
      installedAt: new Date(Date.now() + 60_000).toISOString(),
      ip: '203.0.113.51',
      device: { gaid: zero },
    });
    expect((await decided(res.body.id)).status).toBe('organic');
  });

  it('rejects a click-to-install time under the app minimum as click injection', async () => {
    const f = await createFixture(stack, { app: { minCtitSeconds: 3600 } });
    const gaid = '12121212-3434-5656-7878-909090909090';
    await click(stack, f.campaignId, `gaid=${gaid}`);
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'inject-1',
      installedAt: new Date(Date.now() + 5_000).toISOString(),
      device: { gaid },
    });
    const install = await decided(res.body.id);
    expect(install).toMatchObject({ status: 'rejected', campaignId: f.campaignId, matchType: 'device_id' });
    expect(install.explanation.rejection).toEqual({ reason: 'click_injection', minCtitSeconds: 3600 });
  });

  it('retries a failing postback with backoff and records every attempt', async () => {
    const f = await createFixture(stack, { postbackUrl: `${sinkUrl}/flaky?i={install_id}` });
    sink.statuses.push(500, 503);
    const gaid = 'abababab-3434-5656-7878-909090909090';
    await click(stack, f.campaignId, `gaid=${gaid}`);
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'flaky-1',
      installedAt: new Date(Date.now() + 60_000).toISOString(),
      device: { gaid },
    });
    const delivery = await waitFor(async () => {
      const d = await stack.admin('GET', `/v1/deliveries?subjectId=${res.body.id}`);
      return d.body.items[0]?.status === 'delivered' ? d.body.items[0] : undefined;
    }, 'delivery after retries');
    expect(delivery.attempts).toBe(3);
    expect(delivery.attemptLog.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 503, 200]);
    expect(sink.received.filter((r) => r.url.includes(res.body.id))).toHaveLength(3);
  });
});

async function createCampaign(stack: Stack, appId: string, networkId: string): Promise<string> {
  const r = await stack.admin('POST', '/v1/campaigns', {
    appId,
    networkId,
    name: 'Second',
    destinationUrl: 'https://example.com/?c={lookback_click_id}',
  });
  return r.body.id;
}

import { randomUUID } from 'node:crypto';
import { postSigned, Sink, waitFor } from './support/http';
import { createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

/** Replay re-decides history with the worker's own loader and rules; dry by default, never a second postback. */
describe('POST /v1/attribution/replay', () => {
  let stack: Stack;
  let f: Fixture;
  const sink = new Sink();
  const ids: Record<'fiveDays' | 'twoHours' | 'organic', string> = { fiveDays: '', twoHours: '', organic: '' };
  const range = { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() };

  async function clickAgo(gaid: string, hoursAgo: number) {
    const id = randomUUID();
    await stack.db.query(
      `INSERT INTO clicks (id, app_id, campaign_id, ts, gaid) VALUES ($1, $2, $3, now() - make_interval(hours => $4), $5)`,
      [id, f.appId, f.campaignId, hoursAgo, gaid],
    );
    return id;
  }

  async function install(installId: string, gaid: string) {
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId,
      installedAt: new Date().toISOString(),
      device: { gaid },
      ip: '198.51.100.7',
    });
    return waitFor(async () => {
      const r = await stack.admin('GET', `/v1/installs/${res.body.id}`);
      return r.body.status !== 'pending' ? r.body : undefined;
    }, `decision of ${installId}`);
  }

  const replay = (body: Record<string, unknown>) => stack.admin('POST', '/v1/attribution/replay', { appId: f.appId, ...range, ...body });
  /** An applied replay is a worker job: 202 with its id, then its result once the run is done. */
  async function applied(body: Record<string, unknown>) {
    const started = await replay({ ...body, apply: true });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ id: expect.any(String), status: expect.stringMatching(/^(queued|running|done)$/) });
    const run = await waitFor(async () => {
      const r = await stack.admin('GET', `/v1/attribution/replay/${started.body.id}`);
      return r.body.status === 'done' || r.body.status === 'failed' ? r.body : undefined;
    }, 'the replay run to finish');
    expect(run).toMatchObject({ status: 'done', error: null });
    return { body: run.result };
  }
  const deliveriesFor = async (id: string) =>
    (await stack.db.query('SELECT count(*)::int AS n FROM deliveries WHERE subject_id = $1', [id])).rows[0].n;

  beforeAll(async () => {
    const url = await sink.start();
    stack = await startStack();
    f = await createFixture(stack, { postbackUrl: `${url}/pb?i={install_id}` });
    await clickAgo('gaid-five-days', 5 * 24);
    await clickAgo('gaid-two-hours', 2);
    ids.fiveDays = (await install('five-days', 'gaid-five-days')).id;
    ids.twoHours = (await install('two-hours', 'gaid-two-hours')).id;
    ids.organic = (await install('no-click', 'gaid-never-clicked')).id;
    await waitFor(async () => sink.received.length === 2, 'both install postbacks');
  });
  afterAll(async () => {
    await stack?.close();
    await sink.stop();
  });

  it('with unchanged settings moves nothing (the same answer as the fresh decisions)', async () => {
    const r = await replay({});
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ dryRun: true, installs: 3, unchanged: 3, moved: 0, rematched: 0, moves: [] });
  });

  it('dry run: a 72 h lookback would move the five-day click install to organic, and changes nothing', async () => {
    const r = await replay({ overrides: { clickLookbackHours: 72 } });
    expect(r.body).toMatchObject({ dryRun: true, installs: 3, unchanged: 2, moved: 1, applied: 0 });
    expect(r.body.moves).toEqual([
      {
        from: { status: 'attributed', campaignId: f.campaignId },
        to: { status: 'organic', campaignId: null },
        count: 1,
        examples: [expect.objectContaining({ installId: ids.fiveDays, fromMatchType: 'device_id', toMatchType: null })],
      },
    ]);
    const stored = await stack.admin('GET', `/v1/installs/${ids.fiveDays}`);
    expect(stored.body.status).toBe('attributed');
  });

  it('per-campaign overrides beat the all-campaign value', async () => {
    const r = await replay({ overrides: { clickLookbackHours: 72, campaigns: { [f.campaignId]: { clickLookbackHours: 168 } } } });
    expect(r.body.moved).toBe(0);
  });

  it('apply rewrites the decisions and moves the credit of their events; replaying the same settings again then moves nothing', async () => {
    const purchase = await postSigned(`${stack.ingestionUrl}/v1/events`, f.sdkSecret, {
      appId: f.appId,
      eventId: 'five-days-purchase',
      installId: 'five-days',
      name: 'purchase',
      occurredAt: new Date().toISOString(),
    });
    expect(purchase.status).toBe(202);
    const credit = async () => (await stack.db.query('SELECT campaign_id FROM events WHERE id = $1', [purchase.body.id])).rows[0]?.campaign_id;
    await waitFor(async () => (await credit()) === f.campaignId, 'the purchase to be linked');
    const r = await applied({ overrides: { clickLookbackHours: 72 } });
    expect(r.body).toMatchObject({ dryRun: false, moved: 1, applied: 1 });
    const stored = await stack.admin('GET', `/v1/installs/${ids.fiveDays}`);
    expect(stored.body).toMatchObject({ status: 'organic', campaignId: null });
    expect(await credit()).toBeNull();
    const again = await replay({ overrides: { clickLookbackHours: 72 } });
    expect(again.body.moved).toBe(0);
  });

  it('moving an install back to its campaign never sends its postback twice', async () => {
    const r = await applied({ sendOwedPostbacks: true });
    expect(r.body).toMatchObject({ moved: 1, applied: 1, postbacks: { owed: 0, sent: 0, alreadySentElsewhere: 1 } });
    expect((await stack.admin('GET', `/v1/installs/${ids.fiveDays}`)).body.status).toBe('attributed');
    await new Promise((res) => setTimeout(res, 300));
    expect(await deliveriesFor(ids.fiveDays)).toBe(1);
    expect(sink.received.filter((q) => q.url.includes(ids.fiveDays))).toHaveLength(1);
  });

  it('a longer CTIT minimum, or the same rule in shadow mode, are what-ifs too', async () => {
    // One day: the two-hour click now looks injected; the five-day one does not.
    const r = await replay({ overrides: { minCtitSeconds: 86_400 } });
    expect(r.body.moved).toBe(1);
    expect(r.body.moves[0]).toMatchObject({
      from: { status: 'attributed' },
      to: { status: 'rejected', campaignId: f.campaignId },
      count: 1,
      examples: [expect.objectContaining({ installId: ids.twoHours })],
    });
    const shadow = await replay({ overrides: { minCtitSeconds: 86_400, fraudModes: { clickInjection: 'shadow' } } });
    expect(shadow.body.moved).toBe(0);
  });

  it.each([
    [{ from: range.to, to: range.from }, 400, 'to'],
    [{ from: '2026-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' }, 400, 'to'],
    [{ from: 'yesterday' }, 400, 'from'],
    [{ overrides: { clickLookbackHours: -1 } }, 400, 'overrides.clickLookbackHours'],
    [{ overrides: { fraudModes: { clickInjection: 'sometimes' } } }, 400, 'overrides.fraudModes.clickInjection'],
    [{ overrides: { campaigns: { 'not-a-uuid': {} } } }, 400, 'overrides.campaigns.not-a-uuid'],
    [{ overrides: { campaigns: { [randomUUID()]: { clickLookbackHours: 'long' } } } }, 400, undefined],
    [{ apply: 'yes' }, 400, 'apply'],
    [{ appId: randomUUID() }, 404, 'appId'],
  ])('refuses %j with %i', async (patch, status, field) => {
    const r = await replay(patch);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toEqual(expect.any(String));
    if (field) expect(r.body.error.field).toBe(field);
  });
});

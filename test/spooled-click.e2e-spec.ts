import { uuidv7, uuidv7Time } from '../libs/domain/src';
import { postSigned } from './support/http';
import { createFixture, decidedInstall } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

/**
 * An install whose referrer names a click that is not stored yet (the click was answered while PostgreSQL was
 * away and waits in ingestion's spool) is not decided organic at once: it waits for the click a short while.
 */
describe('an install naming a click not stored yet', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('is credited to the click once it lands, not decided organic before', async () => {
    const f = await createFixture(stack);
    const clickId = uuidv7();
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'waits-for-its-click',
      installedAt: new Date(Date.now() + 60_000).toISOString(),
      referrer: `utm_source=net&lookback_click_id=${clickId}`,
    });
    expect(res.status).toBe(202);
    await new Promise((r) => setTimeout(r, 1500));
    const meanwhile = await stack.admin('GET', `/v1/installs/${res.body.id}`);
    expect(meanwhile.body.status).toBe('pending');
    // The spool replays the click as ingestion would: same id, its own time.
    await stack.db.query(`INSERT INTO clicks (id, app_id, campaign_id, ts) VALUES ($1, $2, $3, $4)`, [clickId, f.appId, f.campaignId, uuidv7Time(clickId)]);
    const decided = await decidedInstall(stack, res.body.id);
    expect(decided).toMatchObject({ status: 'attributed', matchType: 'click_id', clickId });
  }, 40_000);

  it('a click id from days ago that is not stored does not make the install wait', async () => {
    const f = await createFixture(stack);
    const old = '0190f5c4-0000-7000-8000-000000000001'; // mid-2024
    const res = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId: 'names-an-old-click',
      installedAt: new Date().toISOString(),
      referrer: `lookback_click_id=${old}`,
    });
    expect((await decidedInstall(stack, res.body.id)).status).toBe('organic');
  });
});

import fc from 'fast-check';
import { postSigned, waitFor } from './support/http';
import { createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

/** `customerUserId` on installs and events: the app's own id of its user, the same id as the pixel's `uid`. */
describe('customerUserId on installs and events', () => {
  let stack: Stack;
  let f: Fixture;
  const install = (extra: Record<string, unknown> = {}) => ({
    appId: f.appId,
    installId: `i-${Math.random()}`,
    installedAt: new Date().toISOString(),
    ...extra,
  });
  const event = (extra: Record<string, unknown> = {}) => ({
    appId: f.appId,
    eventId: `e-${Math.random()}`,
    installId: 'i-1',
    name: 'purchase',
    occurredAt: new Date().toISOString(),
    ...extra,
  });

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    f = await createFixture(stack);
  });
  afterAll(() => stack?.close());

  it('is stored with the install, and with the event in the column the pixel uid fills', async () => {
    const body = install({ customerUserId: 'user-42' });
    expect((await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, body)).status).toBe(202);
    const e = event({ customerUserId: 'user-42' });
    expect((await postSigned(`${stack.ingestionUrl}/v1/events`, f.sdkSecret, e)).status).toBe(202);
    const pixel = await fetch(`${stack.ingestionUrl}/p/${f.appId}.gif?e=page_view&uid=user-42`);
    expect(pixel.status).toBe(200);
    // A pixel hit is answered before its batch commits.
    await waitFor(async () => (await stack.db.query(`SELECT 1 FROM events WHERE source = 'pixel'`)).rowCount, 'the pixel hit');
    const installs = await stack.db.query(`SELECT customer_user_id FROM installs WHERE install_id = $1`, [body.installId]);
    expect(installs.rows).toEqual([{ customer_user_id: 'user-42' }]);
    const events = await stack.db.query(`SELECT source, user_id FROM events WHERE user_id = 'user-42' ORDER BY source`);
    expect(events.rows).toEqual([
      { source: 'pixel', user_id: 'user-42' },
      { source: 'sdk', user_id: 'user-42' },
    ]);
  });

  it('is optional: without it nothing is stored for it', async () => {
    const body = install();
    expect((await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, body)).status).toBe(202);
    const rows = await stack.db.query(`SELECT customer_user_id FROM installs WHERE install_id = $1`, [body.installId]);
    expect(rows.rows).toEqual([{ customer_user_id: null }]);
  });

  it('a bad customerUserId is a 400 naming it, for installs, events and batch items, and nothing is stored', async () => {
    const bad = fc.oneof(
      fc.constant(''),
      fc.string({ minLength: 257, maxLength: 400 }),
      fc.integer(),
      fc.boolean(),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.tuple(fc.string({ maxLength: 5 }), fc.integer({ min: 1, max: 31 }), fc.string({ maxLength: 5 })).map(
        ([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`,
      ),
    );
    await fc.assert(
      fc.asyncProperty(bad, async (value) => {
        const i = await postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, install({ customerUserId: value }));
        expect(i.status).toBe(400);
        expect(i.body.error.field).toBe('customerUserId');
        const e = await postSigned(`${stack.ingestionUrl}/v1/events`, f.sdkSecret, event({ customerUserId: value }));
        expect(e.status).toBe(400);
        expect(e.body.error.field).toBe('customerUserId');
      }),
      { numRuns: 25 },
    );
    const batch = await postSigned(`${stack.ingestionUrl}/v1/events/batch`, f.sdkSecret, {
      appId: f.appId,
      events: [event({ customerUserId: 'ok' }), event({ customerUserId: 'x'.repeat(257) })],
    });
    expect(batch.status).toBe(207);
    expect(batch.body.results).toEqual([
      { index: 0, status: 202, id: expect.any(String) },
      { index: 1, status: 400, error: { code: 'invalid_field', message: expect.any(String), field: 'customerUserId' } },
    ]);
    const stored = await stack.db.query(`SELECT user_id FROM events WHERE app_id = $1 AND source = 'sdk' AND user_id <> 'user-42'`, [f.appId]);
    expect(stored.rows).toEqual([{ user_id: 'ok' }]);
  });
});

import { signBody } from '../libs/domain/src';
import { DEEP, postSigned, withDeep } from './support/http';
import { createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

/** Every field of an event refused with a clear 4xx in the contract's shape; nothing stored. */
describe('events refuse bad input', () => {
  let stack: Stack;
  let f: Fixture;
  const good = () => ({ appId: f.appId, eventId: `e-${Math.random()}`, installId: 'i-1', name: 'purchase', occurredAt: '2026-11-30T10:05:00Z' });

  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    f = await createFixture(stack);
  });
  afterAll(() => stack?.close());

  const send = (body: unknown, path = '/v1/events') => postSigned(`${stack.ingestionUrl}${path}`, f.sdkSecret, body);

  it.each([
    ['eventId', { eventId: '' }, 'invalid_field'],
    ['eventId', { eventId: 'x'.repeat(129) }, 'invalid_field'],
    ['eventId', { eventId: 42 }, 'invalid_field'],
    ['eventId', { eventId: undefined }, 'invalid_field'],
    ['installId', { installId: undefined }, 'invalid_field'],
    ['installId', { installId: 'x'.repeat(129) }, 'invalid_field'],
    ['name', { name: 'add to cart' }, 'invalid_field'],
    ['name', { name: 'x'.repeat(101) }, 'invalid_field'],
    ['name', { name: '' }, 'invalid_field'],
    ['occurredAt', { occurredAt: '2026-11-30' }, 'invalid_field'],
    ['occurredAt', { occurredAt: 'yesterday' }, 'invalid_field'],
    ['occurredAt', { occurredAt: '2026-11-30 10:05:00Z' }, 'invalid_field'],
    ['occurredAt', { occurredAt: '2026-11-30T10:05:00' }, 'invalid_field'],
    ['occurredAt', { occurredAt: '2999-01-01T00:00:00Z' }, 'occurred_at_in_future'],
    ['revenue', { revenue: '4.99', currency: 'USD' }, 'invalid_field'],
    ['revenue', { revenue: 1e12, currency: 'USD' }, 'invalid_revenue'],
    ['revenue', { revenue: 0.30000000000000004, currency: 'USD' }, 'invalid_revenue'],
    ['revenue', { revenue: -1, currency: 'USD' }, 'negative_revenue'],
    ['currency', { revenue: 4.99 }, 'currency_required'],
    ['currency', { revenue: 4.99, currency: 'eur' }, 'unknown_currency'],
    ['currency', { revenue: 4.99, currency: 'XYZ' }, 'unknown_currency'],
    ['currency', { revenue: 4.99, currency: 7 }, 'invalid_field'],
    ['properties', { properties: [1, 2] }, 'invalid_field'],
    ['properties', { properties: 'sku' }, 'invalid_field'],
    ['properties', { properties: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }, 'invalid_field'],
    ['properties', { properties: { blob: 'x'.repeat(8200) } }, 'invalid_field'],
    ['consent.attribution', { consent: { attribution: 'yes' } }, 'invalid_field'],
    ['consent.retargeting', { consent: { retargeting: 1 } }, 'invalid_field'],
    ['extra', { extra: true }, 'invalid_field'],
    ['eventId', { eventId: '\udbff' }, 'invalid_field'],
    ['properties', { properties: { ['\ud800']: 1 } }, 'invalid_field'],
    ['properties.sku', { properties: { sku: 'x\udc00' } }, 'invalid_field'],
    ['properties', { properties: { a: DEEP } }, 'invalid_field'],
  ])('400 for a bad %s (%j)', async (field, change, code) => {
    const res = await send(withDeep({ ...good(), ...change }, 1000));
    expect(res).toEqual({ status: 400, body: { error: { code, message: expect.any(String), field } } });
  });

  it('401 for a bad signature or an unknown app, 400 for a malformed appId, 415 for a non-JSON body', async () => {
    const body = JSON.stringify(good());
    const unsigned = await fetch(`${stack.ingestionUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-lookback-signature': signBody('wrong', body) },
      body,
    });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    expect((await send({ ...good(), appId: '00000000-0000-7000-8000-000000000000' })).status).toBe(401);
    expect((await send({ ...good(), appId: 'nope' })).body).toEqual({
      error: { code: 'invalid_field', message: expect.any(String), field: 'appId' },
    });
    const text = await fetch(`${stack.ingestionUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(text.status).toBe(415);
  });

  it('400 for a batch that is empty, too long, not an array, or signed for no app', async () => {
    const item = { ...good(), appId: undefined };
    for (const [body, field] of [
      [{ appId: f.appId, events: [] }, 'events'],
      [{ appId: f.appId, events: Array.from({ length: 501 }, () => item) }, 'events'],
      [{ appId: f.appId, events: {} }, 'events'],
      [{ events: [item] }, 'appId'],
      [{ appId: f.appId, events: [DEEP] }, 'events'],
      [{ appId: '\udbff', events: [item] }, 'appId'],
    ] as const) {
      const res = await send(withDeep(body, 1000), '/v1/events/batch');
      expect(res).toEqual({ status: 400, body: { error: { code: 'invalid_field', message: expect.any(String), field } } });
    }
  });

  it('stored nothing for any of it', async () => {
    const r = await stack.db.query('SELECT count(*)::int AS n FROM events');
    expect(r.rows[0].n).toBe(0);
  });
});

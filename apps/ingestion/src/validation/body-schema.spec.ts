import 'reflect-metadata';
import fc from 'fast-check';
import { validateItem } from '@app/http';
import { EVENT_BATCH_SCHEMA, EVENT_ITEM_SCHEMA, EventBatchDto, EventDto, EventItemDto } from '../events/event.dto';
import { INSTALL_SCHEMA, InstallDto } from '../installs/install.dto';
import { checkItem, type Schema } from './body-schema';

/**
 * The hand-written schemas answer exactly what class-validator answers for the DTOs they mirror (same refusal,
 * same field, same message), over bodies mixing good and bad values for every field. One difference on purpose:
 * a nested object sent as an array is refused (class-validator validated each element, and took `[]`).
 */
const UUID = '0190f5c4-0000-7000-8000-000000000003';
const odd = [null, 42, -1.5, 0, true, false, '', ' ', 'x', 'x'.repeat(129), 'x'.repeat(300), {}, { a: 1 }, [], [1], '\u0001'];
const ids = [UUID, UUID.toUpperCase(), 'abc', '00000000-0000-0000-0000-000000000000', `${UUID}x`];
const times = ['2026-11-30T10:00:00Z', '2026-11-30T10:00:00.123+02:00', '2026-11-30', '2026-11-30 10:00:00Z', '2026-11-30T10:00:00', 'yesterday', '2026-13-30T10:00:00Z', 1732960800];

const ABSENT = Symbol('absent');
/** Mostly a good value (so that later fields get checked too), sometimes a bad one, sometimes no key at all. */
const field = (good: unknown[], bad: unknown[], absent = 1) =>
  fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...good) }, { weight: 2, arbitrary: fc.constantFrom(...bad) }, { weight: absent, arbitrary: fc.constant(ABSENT) });
const body = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(fields).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== ABSENT)) as Record<string, unknown>);
const rarely = fc.oneof({ weight: 12, arbitrary: fc.constant(ABSENT) }, { weight: 1, arbitrary: fc.constant(true) });
const notArrays = odd.filter((v) => !Array.isArray(v));
const nested = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.oneof({ weight: 8, arbitrary: body({ ...fields, extra: rarely }) }, { weight: 1, arbitrary: fc.constantFrom(...notArrays) }, { weight: 3, arbitrary: fc.constant(ABSENT) });
const consent = nested({ attribution: field([true, false, null], ['yes', 1]), retargeting: field([true, false, null], ['no', 0]) });
const device = nested(Object.fromEntries(['gaid', 'idfa', 'idfv', 'androidId'].map((k) => [k, field(['a', 'x'.repeat(64), null], ['x'.repeat(65), 7, true, {}])])));
const customerUserId = field(['user-42', 'x'.repeat(256), null], [...odd, 'x'.repeat(257), 'a\u0000b', 'a\u001fb', 'a\u007f'], 3);
const good = (max: number) => ['a', 'gems_100', 'x'.repeat(max), 'ü', '😀'.repeat(max / 2)];
const bad = (max: number) => [...odd, 'x'.repeat(max + 1), '😀'.repeat(max / 2 + 1)];

const installs = body({
  appId: field(ids.slice(0, 2), [...ids.slice(2), ...odd]),
  installId: field(good(128), bad(128)),
  installedAt: field(times.slice(0, 2), [...times.slice(2), ...odd]),
  device,
  ip: field(['203.0.113.7', '::1', '2001:db8::1', null], ['fe80::1%eth0', '999.1.1.1', 'abc', ...odd], 3),
  userAgent: field([...good(1024), null], bad(1024), 3),
  referrer: field([...good(2048), null], bad(2048), 3),
  consent,
  customerUserId,
  unexpected: rarely,
});
const events = body({
  appId: field(ids.slice(0, 2), [...ids.slice(2), ...odd], 2),
  eventId: field(good(128), bad(128)),
  installId: field(good(128), bad(128)),
  name: field(['purchase', 'a.b:c-d_e', 'x'.repeat(100)], [...odd, 'add to cart', 'x'.repeat(101), 'ü']),
  occurredAt: field(times.slice(0, 2), [...times.slice(2), ...odd]),
  revenue: field([4.99, -1, 0, 1e12, null], ['4.99', Number.NaN, ...odd], 3),
  currency: field(['EUR', 'eur', 'XYZ', null], ['x'.repeat(17), ...odd], 3),
  properties: field([{ sku: 'gems' }, { a: { b: 1 } }, null], [Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])), { blob: 'x'.repeat(8200) }, [1, 2], 'sku', ...odd], 3),
  consent,
  customerUserId,
  extra: rarely,
});

const batches = body({
  appId: field(ids.slice(0, 2), [...ids.slice(2), ...odd], 3),
  events: field([[{ eventId: 'e' }], [1, 'x', null], Array.from({ length: 500 }, () => ({}))], [[], Array.from({ length: 501 }, () => ({})), {}, 'x', 7, null]),
  extra: rarely,
});

async function sameAnswer(schema: Schema, dto: new () => object, body: Record<string, unknown>): Promise<void> {
  const expected = await validateItem(dto, body);
  const actual = checkItem(schema, body);
  const view = (r: typeof actual) => (r.ok ? 'ok' : { code: r.error.code, message: r.error.message, field: r.error.field });
  expect(view(actual)).toEqual(view(expected));
}

describe('signed body schemas', () => {
  it.each([
    ['installs', INSTALL_SCHEMA, InstallDto, installs, 3000],
    ['batch event items', EVENT_ITEM_SCHEMA, EventItemDto, events, 3000],
    ['batches', EVENT_BATCH_SCHEMA, EventBatchDto, batches, 300],
  ] as const)('%s: the same answer as class-validator for every body', async (_, schema, dto, bodies, numRuns) => {
    await fc.assert(fc.asyncProperty(bodies, (body) => sameAnswer(schema, dto, body)), { numRuns, seed: 10 });
  });

  it('single events: the same answer as class-validator whenever appId is a UUID (the signature guard refuses any other)', async () => {
    await fc.assert(fc.asyncProperty(events, (body) => sameAnswer(EVENT_ITEM_SCHEMA, EventDto, { ...body, appId: UUID })), { numRuns: 2000, seed: 11 });
  });

  it('accepts the contract examples, refuses a nested object sent as an array', () => {
    const install = { appId: UUID, installId: 'i-1', installedAt: '2026-11-30T10:00:00Z', device: { gaid: 'g' }, ip: '203.0.113.7', consent: { attribution: true } };
    expect(checkItem(INSTALL_SCHEMA, install).ok).toBe(true);
    const event = { appId: UUID, eventId: 'e', installId: 'i', name: 'purchase', occurredAt: '2026-11-30T10:05:00Z', revenue: 4.99, currency: 'EUR', properties: { sku: 'gems_100' } };
    expect(checkItem(EVENT_ITEM_SCHEMA, event).ok).toBe(true);
    const refused = checkItem(INSTALL_SCHEMA, { ...install, device: [] });
    expect(refused.ok ? undefined : { code: refused.error.code, field: refused.error.field }).toEqual({ code: 'invalid_field', field: 'device' });
  });
});

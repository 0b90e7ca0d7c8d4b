import fc from 'fast-check';
import { createFixture, type Fixture } from './support/fixtures';
import { startStack, type Stack } from './support/stack';

/** Ranges of reports, cohorts, exports and replay: an instant needs its zone; a date alone is midnight UTC. */
describe('date ranges of the admin API', () => {
  let stack: Stack;
  let f: Fixture;
  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    f = await createFixture(stack);
  });
  afterAll(() => stack?.close());

  const calls = (from: string, to: string) => {
    const q = `appId=${f.appId}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    return [
      () => stack.admin('GET', `/v1/reports/campaigns?${q}`),
      () => stack.admin('GET', `/v1/reports/cohorts?${q}`),
      () => stack.admin('GET', `/v1/exports/installs?${q}`),
      () => stack.admin('POST', '/v1/attribution/replay', { appId: f.appId, from, to }),
    ];
  };

  it('a date-time without a zone is a 400 naming the field, everywhere', async () => {
    const zoneless = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.boolean()).map(
      ([h, m, seconds]) => `2026-12-01T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}${seconds ? ':00' : ''}`,
    );
    await fc.assert(
      fc.asyncProperty(zoneless, async (from) => {
        for (const call of calls(from, '2026-12-02T00:00:00Z')) {
          const res = await call();
          expect([res.status, res.body.error?.field]).toEqual([400, 'from']);
        }
      }),
      { numRuns: 5 },
    );
    for (const call of calls('2026-12-01T00:00:00Z', '2026-12-02T10:00')) expect((await call()).body.error?.field).toBe('to');
  });

  it('a date alone and a date-time with Z or an offset are accepted', async () => {
    for (const [from, to] of [
      ['2026-12-01', '2026-12-02'],
      ['2026-12-01T00:00:00Z', '2026-12-02T00:00:00.000Z'],
      ['2026-12-01T01:00:00+01:00', '2026-12-02T00:00+00:00'],
    ]) {
      for (const call of calls(from, to)) expect((await call()).status).toBe(200);
    }
  });
});

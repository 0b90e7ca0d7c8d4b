import { randomUUID } from 'node:crypto';
import { click, createFixture, type Fixture } from './support/fixtures';
import { createOwnCluster, type OwnCluster } from './support/pg-cluster';
import { startStack, type Stack } from './support/stack';

/** More made-up ids than the old catalog cache held in all (50,000), so a cache that wipes itself when full would. */
const FLOOD = 50_500;

describe('real campaigns keep redirecting through a flood of unknown ids and a PostgreSQL outage', () => {
  let cluster: OwnCluster;
  let stack: Stack;
  beforeAll(async () => {
    cluster = await createOwnCluster();
    stack = await startStack({ CACHE_TTL_MS: '300' }, { worker: false, databaseUrl: cluster.url });
  }, 60_000);
  afterAll(async () => {
    try {
      await cluster?.start().catch(() => undefined); // closing the stack writes what it still holds
      await stack?.close();
    } finally {
      await cluster?.drop(); // whatever happened, no cluster is left running
    }
  }, 60_000);

  it('clicks on campaigns that served clicks before still get their redirect, unknown ids still get 404', async () => {
    const fixtures: Fixture[] = [];
    for (let i = 0; i < 3; i++) fixtures.push(await createFixture(stack));
    for (const f of fixtures) expect((await click(stack, f.campaignId, 'gaid=before-flood')).status).toBe(302);

    let next = 0;
    const statuses = new Map<number, number>();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < FLOOD) {
          next++;
          const res = await fetch(`${stack.ingestionUrl}/c/${randomUUID()}`, { redirect: 'manual' });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 404: FLOOD });

    await cluster.stop();
    await new Promise((r) => setTimeout(r, 400)); // past CACHE_TTL_MS: each campaign must be read again, and cannot be
    for (const f of fixtures) {
      const res = await click(stack, f.campaignId, 'gaid=during-outage');
      expect(res.status).toBe(302);
      expect(res.location).toMatch(/^https:\/\/play\.google\.com\/store\/apps\/details\?id=com\.example\.gems&referrer=lookback_click_id%3D[0-9a-f-]{36}$/);
    }
    // A campaign this process never saw cannot be looked up: the contract's 503, not a redirect to nowhere.
    expect((await click(stack, randomUUID(), '')).status).toBe(503);
    const metrics = await (await fetch(`${stack.ingestionUrl}/metrics`)).text();
    expect(metrics).toMatch(/lookback_catalog_stale_total\{what="campaign"\} [3-9]/);
  }, 180_000);
});

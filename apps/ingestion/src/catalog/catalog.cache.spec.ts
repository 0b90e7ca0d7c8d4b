import { randomUUID } from 'node:crypto';
import { CatalogCache } from './catalog.cache';

const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('CatalogCache', () => {
  it('a flood of unknown ids never evicts a known entry; the known one is served stale while storage is down', async () => {
    let stale = 0;
    const cache = new CatalogCache<{ url: string }>(20, { known: 10, unknown: 100 }, () => stale++);
    expect(await cache.get('real', async () => ({ url: 'https://example.com' }))).toEqual({ url: 'https://example.com' });
    for (let i = 0; i < 1000; i++) expect(await cache.get(randomUUID(), async () => undefined)).toBeUndefined();
    expect(cache.size).toEqual({ known: 1, unknown: 100 });
    await sleep(30); // past the TTL: the entry must be read again, and that read fails
    expect(await cache.get('real', down)).toEqual({ url: 'https://example.com' });
    expect(stale).toBe(1);
    await expect(cache.get('never-seen', down)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('keeps the most recently used known entries when full', async () => {
    const cache = new CatalogCache<{ n: number }>(60_000, { known: 2, unknown: 2 });
    await cache.get('a', async () => ({ n: 1 }));
    await cache.get('b', async () => ({ n: 2 }));
    await cache.get('a', down); // fresh: served from memory, and now the most recently used
    await cache.get('c', async () => ({ n: 3 }));
    expect(await cache.get('a', down)).toEqual({ n: 1 });
    await expect(cache.get('b', down)).rejects.toThrow();
  });

  it('reads once per TTL, an unknown id too; with TTL 0 it reads every time but still remembers the last value', async () => {
    let reads = 0;
    const cached = new CatalogCache<{ n: number }>(60_000, { known: 10, unknown: 10 });
    await Promise.all([1, 2, 3].map(() => cached.get('x', async () => ({ n: ++reads }))));
    await cached.get('x', async () => ({ n: ++reads }));
    await cached.get('nope', async () => (reads++, undefined));
    await cached.get('nope', async () => (reads++, undefined));
    expect(reads).toBe(2);

    const uncached = new CatalogCache<{ n: number }>(0, { known: 10, unknown: 10 });
    expect(await uncached.get('x', async () => ({ n: 1 }))).toEqual({ n: 1 });
    expect(await uncached.get('x', async () => ({ n: 2 }))).toEqual({ n: 2 });
    expect(await uncached.get('x', down)).toEqual({ n: 2 });
  });

  it('an id that disappears is forgotten, and an unknown id that appears is found after the TTL', async () => {
    const cache = new CatalogCache<{ n: number }>(10, { known: 10, unknown: 10 });
    await cache.get('x', async () => ({ n: 1 }));
    await sleep(15);
    expect(await cache.get('x', async () => undefined)).toBeUndefined();
    await expect(cache.get('x', down)).resolves.toBeUndefined(); // negative entry still fresh
    await sleep(15);
    await expect(cache.get('x', down)).rejects.toThrow();
    expect(await cache.get('x', async () => ({ n: 2 }))).toEqual({ n: 2 });
  });
});

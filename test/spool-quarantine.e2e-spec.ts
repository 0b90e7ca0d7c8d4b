import { mkdir, readdir, readFile, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '../libs/domain/src';
import { createFixture, type Fixture } from './support/fixtures';
import { waitFor } from './support/http';
import { startStack, type Stack } from './support/stack';

/** Spooled touches that can never be stored are set aside, counted, and hold nothing else back; none is stranded. */
describe('spool replay with lines that cannot be replayed', () => {
  let stack: Stack;
  let f: Fixture;
  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    f = await createFixture(stack);
  });
  afterAll(async () => {
    await stack?.close();
    if (stack) await rm(stack.config.spoolDir, { recursive: true, force: true });
  });

  const row = (id: string, gaid: string) =>
    JSON.stringify({
      kind: 'click', id, appId: f.appId, campaignId: f.campaignId, ts: new Date().toISOString(), networkClickId: null,
      gaid, idfa: null, ip: '203.0.113.9', userAgent: 'test', uaKey: null, siteId: null, creative: null, subs: null,
    });

  async function quarantineCounts(): Promise<Record<string, number>> {
    const text = await (await fetch(`${stack.ingestionUrl}/metrics`)).text();
    const out: Record<string, number> = { corrupt: 0, refused: 0 };
    for (const m of text.matchAll(/^lookback_spool_quarantined_total\{reason="(\w+)"\} (\d+)$/gm)) out[m[1]] = Number(m[2]);
    return out;
  }

  it('moves a corrupt line and a row PostgreSQL refuses to quarantine/, stores the rest, and replays the next file too', async () => {
    const before = await quarantineCounts();
    const good = [uuidv7(), uuidv7(), uuidv7()];
    const corrupt = '{"kind":"click","id":"0193'; // a line cut short by a crash mid-append
    const refused = row('not-a-uuid', 'refused-device'); // valid JSON, but no uuid: PostgreSQL refuses it
    const bucket = Math.floor(Date.now() / 10_000) - 10;
    const first = `touches-999999-${bucket}.jsonl`;
    const second = `touches-999999-${bucket + 1}.jsonl`;
    const dir = stack.config.spoolDir;
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, first), [row(good[0], 'g0'), corrupt, refused, row(good[1], 'g1'), ''].join('\n'));
    await writeFile(join(dir, second), `${row(good[2], 'g2')}\n`);
    const past = new Date(Date.now() - 60_000);
    for (const name of [first, second]) await utimes(join(dir, name), past, past);

    await waitFor(async () => (await readdir(dir)).every((n) => !n.startsWith('touches-')), 'the spool to be replayed', 20_000);
    const stored = await stack.db.query('SELECT id FROM clicks WHERE id = ANY($1::uuid[]) ORDER BY id', [good]);
    expect(stored.rows.map((r) => r.id)).toEqual([...good].sort());
    expect(await readdir(join(dir, 'quarantine'))).toEqual([first]);
    expect(await readFile(join(dir, 'quarantine', first), 'utf8')).toBe(`${corrupt}\n${refused}\n`);
    const after = await quarantineCounts();
    expect({ corrupt: after.corrupt - before.corrupt, refused: after.refused - before.refused }).toEqual({ corrupt: 1, refused: 1 });

    // Set aside for good: later replays leave the quarantine alone and store nothing twice.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await readFile(join(dir, 'quarantine', first), 'utf8')).toBe(`${corrupt}\n${refused}\n`);
    expect((await stack.db.query('SELECT count(*)::int AS n FROM clicks WHERE id = ANY($1::uuid[])', [good])).rows[0].n).toBe(3);
  }, 40_000);

  it('replays a file left claimed by a replay that died, and leaves a live claim of another host alone', async () => {
    const dir = stack.config.spoolDir;
    const bucket = Math.floor(Date.now() / 10_000) - 20;
    const dead = 9_999_999; // above any pid_max: no such process
    const files = {
      here: `touches-999997-${bucket}.jsonl.${hostname()}.${dead}.replaying`,
      older: `touches-999997-${bucket + 1}.jsonl.${dead}.replaying`, // the claim name before hosts were named
      elsewhere: `touches-999997-${bucket + 2}.jsonl.another-host.${dead}.replaying`,
    };
    const ids = { here: uuidv7(), older: uuidv7(), elsewhere: uuidv7() };
    await mkdir(dir, { recursive: true });
    for (const k of ['here', 'older', 'elsewhere'] as const) await writeFile(join(dir, files[k]), `${row(ids[k], `stranded-${k}`)}\n`);

    await waitFor(async () => {
      const n = await stack.db.query('SELECT count(*)::int AS n FROM clicks WHERE id = ANY($1::uuid[])', [[ids.here, ids.older]]);
      return n.rows[0].n === 2;
    }, 'the stranded files to be replayed', 20_000);
    await waitFor(async () => (await readdir(dir)).every((n) => !n.startsWith('touches-') || n === files.elsewhere), 'the spool to empty', 10_000);
    // Another host's claim may still be in progress: only its age would make it stranded.
    expect((await stack.db.query('SELECT count(*)::int AS n FROM clicks WHERE id = $1', [ids.elsewhere])).rows[0].n).toBe(0);
    await unlink(join(dir, files.elsewhere));
  }, 40_000);
});

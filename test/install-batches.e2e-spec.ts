import { Queue } from 'bullmq';
import { ATTRIBUTION_QUEUE } from '../libs/queues/src';
import { REDIS_URL } from './support/databases';
import { createFixture, type Fixture } from './support/fixtures';
import { postSigned, waitFor } from './support/http';
import { startStack, type Stack } from './support/stack';

/**
 * Installs sent at the same moment share group-commit batches. Whatever else is in a batch — the same installId
 * twice, replays of stored installs, an install the database drops (an erased person's) — each new install must
 * answer 202 with exactly one attribution job, and each repeat 200 with the first one's id.
 */
describe('installs written in the same group-commit batch', () => {
  let stack: Stack;
  let f: Fixture;
  let queue: Queue;
  beforeAll(async () => {
    stack = await startStack({}, { worker: false });
    f = await createFixture(stack);
    queue = new Queue(ATTRIBUTION_QUEUE, { connection: { url: REDIS_URL }, prefix: stack.config.queuePrefix });
  });
  afterAll(async () => {
    await queue?.close();
    await stack?.close();
  });

  const send = (installId: string, gaid?: string) =>
    postSigned(`${stack.ingestionUrl}/v1/installs`, f.sdkSecret, {
      appId: f.appId,
      installId,
      installedAt: new Date().toISOString(),
      ...(gaid ? { device: { gaid } } : {}),
    });

  async function jobsFor(ids: string[]): Promise<Map<string, number>> {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active']);
    const counts = new Map(ids.map((id) => [id, 0]));
    for (const j of jobs) if (counts.has(j.id!)) counts.set(j.id!, counts.get(j.id!)! + 1);
    return counts;
  }

  it('every new install is 202 with one job, every repeat is 200 with the original id', async () => {
    // An erased person: their later installs are answered as usual, and the database drops them in the statement.
    const erased = 'eeeeeeee-1111-2222-3333-444444444444';
    const erasure = await stack.admin('POST', '/v1/privacy/erasure', { appId: f.appId, device: { gaid: erased } });
    expect(erasure.status).toBe(200);

    const replayed = await send('stored-before');
    expect(replayed.status).toBe(202);

    for (let round = 0; round < 5; round++) {
      const fresh = Array.from({ length: 120 }, (_, i) => `r${round}-new-${i}`);
      const twice = Array.from({ length: 20 }, (_, i) => `r${round}-twice-${i}`);
      const sends = [
        ...fresh.map((id) => ({ id, p: send(id) })),
        ...twice.flatMap((id) => [{ id, p: send(id) }, { id, p: send(id) }]),
        { id: 'stored-before', p: send('stored-before') },
        { id: `r${round}-erased`, p: send(`r${round}-erased`, erased) },
        { id: `r${round}-erased`, p: send(`r${round}-erased`, erased) },
      ];
      const answers = await Promise.all(sends.map(async (s) => ({ installId: s.id, ...(await s.p) })));
      const byInstall = new Map<string, { status: number; id: string }[]>();
      for (const a of answers) byInstall.set(a.installId, [...(byInstall.get(a.installId) ?? []), { status: a.status, id: a.body?.id }]);

      for (const id of fresh) expect({ id, answers: byInstall.get(id) }).toEqual({ id, answers: [{ status: 202, id: expect.any(String) }] });
      for (const id of twice) {
        const [a, b] = byInstall.get(id)!;
        expect({ id, statuses: [a.status, b.status].sort() }).toEqual({ id, statuses: [200, 202] });
        expect(a.id).toBe(b.id);
      }
      expect(byInstall.get('stored-before')).toEqual([{ status: 200, id: replayed.body.id }]);
      expect(byInstall.get(`r${round}-erased`)!.map((a) => a.status)).not.toContain(500);

      const created = answers.filter((a) => a.status === 202 && !a.installId.endsWith('-erased')).map((a) => a.body.id as string);
      // Jobs are enqueued right after the commit, without holding the answers: give them a moment.
      await waitFor(async () => [...(await jobsFor(created)).values()].every((n) => n > 0), 'the jobs', 3000).catch(() => undefined);
      const jobs = await jobsFor(created);
      expect([...jobs].filter(([, n]) => n !== 1)).toEqual([]);
      const stored = await stack.db.query('SELECT id FROM installs WHERE app_id = $1 AND id = ANY($2::uuid[])', [f.appId, created]);
      expect(stored.rowCount).toBe(created.length);
    }
    // Nothing of the erased person was stored.
    const kept = await stack.db.query(`SELECT count(*)::int AS n FROM installs WHERE gaid = $1`, [erased]);
    expect(kept.rows[0].n).toBe(0);
  });

  it('a row PostgreSQL refuses fails only its own request, not the others in its batch', async () => {
    // This suite's own database refuses one installId, as it would refuse a value no validator foresaw.
    await stack.db.query(`ALTER TABLE installs ADD CONSTRAINT test_refused CHECK (install_id <> 'refused-by-db')`);
    try {
      const ids = Array.from({ length: 60 }, (_, i) => `neighbour-${i}`);
      const answers = await Promise.all([...ids.slice(0, 30), 'refused-by-db', ...ids.slice(30)].map((id) => send(id)));
      expect(answers.map((a) => a.status)).toEqual([...Array(30).fill(202), 500, ...Array(30).fill(202)]);
      expect(answers[30].body).toEqual({ error: { code: 'internal_error', message: expect.any(String) } });
      const stored = await stack.db.query(`SELECT count(*)::int AS n FROM installs WHERE install_id LIKE 'neighbour-%'`);
      expect(stored.rows[0].n).toBe(60);
    } finally {
      await stack.db.query('ALTER TABLE installs DROP CONSTRAINT test_refused');
    }
  });
});

import { GroupCommitWriter } from './group-commit';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('GroupCommitWriter', () => {
  it('writes concurrent rows in few statements and answers each caller with its own result', async () => {
    const batches: number[][] = [];
    const writer = new GroupCommitWriter<number, number>(
      async (rows) => {
        batches.push(rows);
        await tick();
        return rows.map((r) => r * 10);
      },
      { maxRows: 50, maxInFlight: 1 },
    );
    const results = await Promise.all(Array.from({ length: 120 }, (_, i) => writer.write(i)));
    expect(results).toEqual(Array.from({ length: 120 }, (_, i) => i * 10));
    expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    expect(batches[0]).toEqual([0]); // an idle writer does not wait: the first row goes alone
    expect(batches.length).toBeLessThanOrEqual(4);
    expect(Math.max(...batches.map((b) => b.length))).toBe(50);
  });

  it('does not resolve a caller before its statement has finished', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const writer = new GroupCommitWriter<string, string>(async (rows) => {
      await gate;
      return rows;
    }, { maxRows: 10, maxInFlight: 1 });
    let settled = false;
    const p = writer.write('a').then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    release();
    await p;
    expect(settled).toBe(true);
  });

  it('isolates a bad row: its neighbours in the batch still succeed, only its caller fails', async () => {
    const writer = new GroupCommitWriter<string, string>(
      async (rows) => {
        await tick();
        if (rows.includes('bad')) throw new Error('invalid byte sequence');
        return rows.map((r) => r.toUpperCase());
      },
      { maxRows: 10, maxInFlight: 1 },
    );
    const first = writer.write('first'); // flushes alone; the rest gather behind it
    const rest = ['a', 'bad', 'b'].map((r) => writer.write(r).then((v) => ({ ok: v }), (e: Error) => ({ err: e.message })));
    await first;
    expect(await Promise.all(rest)).toEqual([{ ok: 'A' }, { err: 'invalid byte sequence' }, { ok: 'B' }]);
  });

  it('fails a batch at once, without writing its rows alone, when the error fails every row alike', async () => {
    const statements: string[][] = [];
    const writer = new GroupCommitWriter<string, string>(
      async (rows) => {
        statements.push(rows);
        await tick();
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
      { maxRows: 10, maxInFlight: 1, retryAlone: (err) => (err as { code?: string }).code !== 'ECONNREFUSED' },
    );
    const first = writer.write('first').catch((e: Error) => e.message);
    const rest = ['a', 'b', 'c'].map((r) => writer.write(r).catch((e: Error) => e.message));
    expect(await Promise.all([first, ...rest])).toEqual(Array(4).fill('connect ECONNREFUSED'));
    expect(statements).toEqual([['first'], ['a', 'b', 'c']]);
  });

  it('close() writes what it has taken, then refuses more', async () => {
    const written: number[] = [];
    const writer = new GroupCommitWriter<number, void>(async (rows) => {
      await tick();
      written.push(...rows);
      return rows.map(() => undefined);
    }, { maxRows: 2, maxInFlight: 1 });
    const pending = [1, 2, 3, 4, 5].map((n) => writer.write(n));
    await writer.close();
    await Promise.all(pending);
    expect(written.sort()).toEqual([1, 2, 3, 4, 5]);
    await expect(writer.write(6)).rejects.toThrow(/closed/);
  });

  describe('gatherMs (adaptive batching)', () => {
    /** `callers` callers, each writing its next row once its last one is answered (as wrk's connections do). */
    async function closedLoop(gatherMs: number | undefined, callers = 8, rounds = 6): Promise<number[]> {
      const batches: number[] = [];
      const writer = new GroupCommitWriter<number, void>(
        async (rows) => {
          batches.push(rows.length);
          await tick();
          return rows.map(() => undefined);
        },
        { maxRows: 100, maxInFlight: 1, gatherMs },
      );
      await Promise.all(
        Array.from({ length: callers }, async (_, c) => {
          for (let r = 0; r < rounds; r++) {
            await writer.write(c);
            await new Promise((res) => setImmediate(res)); // the answer travels, the next request comes back
          }
        }),
      );
      await writer.close();
      return batches;
    }

    it('without it, a fixed set of callers settles into lopsided batches; with it, each commit carries them all', async () => {
      const plain = await closedLoop(undefined);
      expect(plain.slice(2).some((n) => n < 8)).toBe(true);
      // Generous bound: the callers always come back long before it. Only the last batch waits it out (the caller
      // that went first has finished its rounds, so seven come back, not eight).
      const gathered = await closedLoop(1000);
      expect(gathered[0]).toBe(1); // an idle writer still does not wait
      expect(gathered.slice(1, -1).every((n) => n === 8)).toBe(true);
      expect(gathered.length).toBeLessThan(plain.length);
    });

    it('never holds a lone caller: one row at a time is written at once', async () => {
      // With a minute of gathering, any wait for company would time this test out.
      const batches = await closedLoop(60_000, 1, 20);
      expect(batches).toEqual(Array(20).fill(1));
    });

    it('writes what came when fewer callers come back than the last batch had', async () => {
      const written: number[] = [];
      const writer = new GroupCommitWriter<number, void>(
        async (rows) => {
          written.push(...rows);
          await tick();
          return rows.map(() => undefined);
        },
        { maxRows: 100, maxInFlight: 1, gatherMs: 20 },
      );
      await writer.write(0);
      await Promise.all([1, 2, 3, 4].map((n) => writer.write(n)));
      await writer.write(5); // only one of the four comes back: written after the gathering time, not stranded
      expect(written).toEqual([0, 1, 2, 3, 4, 5]);
    });
  });
});

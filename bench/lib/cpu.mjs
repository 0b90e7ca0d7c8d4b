// CPU seconds spent by processes, read from /proc: on a shared two-core machine the CPU a unit of work costs moves
// far less with the load average than its wall-clock rate does.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds of a process so far, or 0 when it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * A meter over one process and the PostgreSQL backends serving a database (PostgreSQL runs on this machine):
 * `sample()` reads both, `since(a, b)` answers the CPU seconds each spent between two samples.
 */
export function cpuMeter(db, database, pid) {
  return {
    async sample() {
      const { rows } = await db.query('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      return { at: performance.now(), process: cpuSeconds(pid), backends: new Map(rows.map((r) => [r.pid, cpuSeconds(r.pid)])) };
    },
    since(a, b) {
      let backends = 0;
      for (const [p, s] of b.backends) backends += s - (a.backends.get(p) ?? 0);
      return { process: b.process - a.process, postgres: backends, wallSeconds: (b.at - a.at) / 1000 };
    },
  };
}

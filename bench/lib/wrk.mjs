// wrk (Debian's `wrk` package): a load generator light enough to share two cores with the server it measures.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export function findWrk() {
  for (const p of [process.env.WRK, '/usr/bin/wrk', '/usr/local/bin/wrk'].filter(Boolean)) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function requireWrk() {
  const wrk = findWrk();
  if (!wrk) {
    console.error('wrk is not installed. Install it from Debian packages:  sudo apt-get install -y wrk   (or set WRK=/path/to/wrk)');
    process.exit(2);
  }
  return wrk;
}

/** ms from wrk's "1.23ms" / "456.00us" / "2.01s". */
function ms(v) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

/** Runs wrk against one URL; answers requests/s, latency percentiles, completed and non-2xx/3xx counts. */
export async function wrk(url, { seconds = 10, connections = 64, threads = 2, timeout = '5s' } = {}) {
  const bin = requireWrk();
  const out = await new Promise((resolve, reject) => {
    const c = spawn(bin, ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', timeout, '--latency', url]);
    let text = '';
    c.stdout.on('data', (d) => (text += d));
    c.stderr.on('data', (d) => (text += d));
    c.on('error', reject);
    c.on('exit', () => resolve(text));
  });
  const pick = (re) => re.exec(out)?.[1];
  const lat = (p) => ms(pick(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm')) ?? '');
  const completed = Number(pick(/(\d+) requests in/) ?? 0);
  const non2xx3xx = Number(pick(/Non-2xx or 3xx responses: (\d+)/) ?? 0);
  const errors = pick(/Socket errors: (.*)/) ?? null;
  return {
    requestsPerSecond: Math.round(Number(pick(/Requests\/sec:\s+([\d.]+)/) ?? 0)),
    latencyMs: { p50: lat(50), p90: lat(90), p99: lat(99) },
    completed,
    answered: completed - non2xx3xx,
    non2xx3xx,
    socketErrors: errors,
  };
}

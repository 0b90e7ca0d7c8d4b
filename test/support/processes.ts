// The compiled processes as child processes, for tests that kill them, stop them or watch their logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// Jest runs from the repository root (rootDir "."), as do npm scripts.
const ROOT = process.cwd();
export const BINARIES = {
  ingestion: join(ROOT, 'dist/apps/ingestion/apps/ingestion/src/main.js'),
  worker: join(ROOT, 'dist/apps/attribution-worker/apps/attribution-worker/src/main.js'),
  admin: join(ROOT, 'dist/apps/admin-api/apps/admin-api/src/main.js'),
} as const;

export interface Child {
  child: ChildProcess;
  /** Every stdout and stderr line so far. */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  waitForLine: (re: RegExp, timeoutMs?: number) => Promise<string>;
  kill: (signal?: NodeJS.Signals) => void;
}

export function binariesBuilt(): boolean {
  return Object.values(BINARIES).every((p) => existsSync(p));
}

export function spawnProcess(name: keyof typeof BINARIES, env: Record<string, string>): Child {
  if (!existsSync(BINARIES[name])) throw new Error(`${BINARIES[name]} is missing: run npm run build before npm test`);
  const child = spawn(process.execPath, [BINARIES[name]], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const onData = (buf: Buffer, rest: { s: string }) => {
    rest.s += buf.toString();
    const parts = rest.s.split('\n');
    rest.s = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.splice(0)) (w.re.test(line) ? w.resolve(line) : waiters.push(w));
    }
  };
  const out = { s: '' };
  const err = { s: '' };
  child.stdout!.on('data', (b: Buffer) => onData(b, out));
  child.stderr!.on('data', (b: Buffer) => onData(b, err));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return {
    child,
    lines,
    exited,
    waitForLine: (re, timeoutMs = 20_000) => {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no line matching ${re} from ${name} in ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`)), timeoutMs);
        waiters.push({ re, resolve: (l) => (clearTimeout(t), resolve(l)) });
      });
    },
    kill: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

// How each of the three processes lives and dies: JSON logs from the first line to the last, whatever fails, and
// a stop on SIGTERM/SIGINT that finishes in-flight work within a bound.
import { format } from 'node:util';
import pino, { type Logger as Pino } from 'pino';
import type { LoggerService } from '@nestjs/common';
import type { LookbackConfig } from '@app/config';

/** A stop that takes longer than this is cut: the process exits 1 and the rows in PostgreSQL stay the truth. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

export function processLogger(config: LookbackConfig, name: string): Pino {
  return pino({ name, level: config.logLevel });
}

/**
 * Nest's own logger until the application's pino logger takes over: bootstrap errors (a dependency that cannot
 * be resolved, a port in use, PostgreSQL refusing at start) come out as JSON lines, not Nest's coloured text.
 */
export class BootLogger implements LoggerService {
  constructor(private readonly pino: Pino) {}
  private write(level: 'info' | 'warn' | 'error' | 'debug' | 'trace' | 'fatal', message: unknown, rest: unknown[]): void {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const stack = rest.find((r) => typeof r === 'string' && r.includes('\n    at '));
    if (message instanceof Error) this.pino[level]({ context, err: message }, message.message);
    else this.pino[level]({ context, ...(stack ? { stack } : {}) }, typeof message === 'string' ? message : format(message));
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
}

/**
 * Libraries that print on their own (ioredis' "Unhandled error event" with a multi-line stack, BullMQ warnings,
 * Node's deprecation notices) would break one-JSON-object-per-line; their console output becomes log lines.
 */
function routeConsole(log: Pino): void {
  const line = (level: 'info' | 'warn' | 'error' | 'debug') => (...args: unknown[]) =>
    log[level]({ context: 'console' }, format(...args));
  console.log = line('info');
  console.info = line('info');
  console.warn = line('warn');
  console.error = line('error');
  console.debug = line('debug');
  console.trace = line('debug');
  process.removeAllListeners('warning');
  process.on('warning', (w) => log.warn({ context: 'node', err: w }, w.message));
}

export interface Closeable {
  close(): Promise<void>;
}

/**
 * Runs one process. `start` builds and starts the application; SIGTERM/SIGINT close it (each module stops taking
 * work, then finishes or hands back what it holds) within SHUTDOWN_TIMEOUT_MS, and the process exits 0. A signal
 * that arrives while the application is still starting (PostgreSQL or Redis not there yet) exits at once: nothing
 * was taken yet. Errors nobody caught are logged as one JSON line.
 */
export function runProcess(name: string, config: LookbackConfig, start: (boot: BootLogger) => Promise<Closeable>): void {
  const log = processLogger(config, name);
  routeConsole(log);
  let app: Closeable | undefined;
  let stopping = false;

  process.on('uncaughtException', (err) => {
    log.fatal({ context: 'process', err }, `uncaught exception: ${err.message}`);
    process.exit(1);
  });
  // A stray rejection (a reconnecting client's promise, a late timer) is a bug to see, not a reason to drop
  // every request in flight.
  process.on('unhandledRejection', (reason) => {
    const err = reason instanceof Error ? reason : new Error(format(reason));
    log.error({ context: 'process', err }, `unhandled rejection: ${err.message}`);
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ context: 'process' }, `${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    if (!app) {
      log.info({ context: 'process' }, `${signal} while starting: exiting`);
      process.exit(0);
    }
    log.info({ context: 'process' }, `${signal}: stopping (at most ${SHUTDOWN_TIMEOUT_MS} ms)`);
    const started = Date.now();
    const hard = setTimeout(() => {
      log.error({ context: 'process' }, `stop took longer than ${SHUTDOWN_TIMEOUT_MS} ms: exiting with work left to the next start`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    hard.unref();
    app.close().then(
      () => {
        log.info({ context: 'process' }, `stopped in ${Date.now() - started} ms`);
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ context: 'process', err }, `stop failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  start(new BootLogger(log)).then(
    (started) => {
      app = started;
    },
    (err: unknown) => {
      log.fatal({ context: 'process', err }, `could not start: ${(err as Error)?.message ?? String(err)}`);
      process.exit(1);
    },
  );
}

// Shared plumbing of the benchmarks: the machine description, summary lines, child processes and statistics.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The bench/ directory. */
export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Where BENCH_CPU_PROF=1 writes .cpuprofile files (.tmp/ is git-ignored). */
export const PROFILE_DIR = fileURLToPath(new URL('../../.tmp/profiles/', import.meta.url));

/** What the figures were measured on (goes into results.json next to every figure). */
export function machine() {
  const cores = cpus();
  return {
    cores: cores.length,
    cpuModel: cores[0]?.model?.trim() ?? 'unknown',
    totalMemoryMiB: Math.round(totalmem() / 1024 / 1024),
    node: process.version,
    nest: packageVersion('@nestjs/core'),
    expressAdapter: packageVersion('@nestjs/platform-express'),
    fastifyAdapter: packageVersion('@nestjs/platform-fastify'),
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** `BENCH <name> <metric>=<value> baseline=<value> ratio=<value>` */
export function summaryLine({ name, metric, value, baseline, ratio }) {
  return `BENCH ${name} ${metric}=${format(value)} baseline=${format(baseline)} ratio=${format(ratio)}`;
}

/** A ratio rounded for display; `null` when the baseline is 0 or missing. */
export function ratio(value, baseline) {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return null;
  return round(value / baseline, 3);
}

export function round(value, digits = 2) {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function format(value) {
  if (value === null || value === undefined) return 'n/a';
  return String(value);
}

/** Progress for humans: stderr, so stdout carries only summary lines. */
export function log(...parts) {
  process.stderr.write(`${parts.join(' ')}\n`);
}

/**
 * Ends a benchmark entry script: under scripts/bench.mjs (IPC) the result goes to the orchestrator; run
 * standalone, the summary lines and the figures are printed.
 */
export async function finish(result) {
  if (process.send) {
    await new Promise((resolve) => process.send({ type: 'bench-result', result }, resolve));
  } else {
    for (const summary of result.summaries) console.log(summaryLine(summary));
    log(JSON.stringify(result.figures, null, 2));
  }
}

/** Runs `main` as a benchmark entry point: exits non-zero with the error on failure. */
export function runMain(main) {
  main().then(
    async (result) => {
      await finish(result);
      process.exit(0);
    },
    (error) => {
      log(`benchmark failed: ${error?.stack ?? error}`);
      process.exit(1);
    },
  );
}

/**
 * A child Node process (an app under test, a simulator, a client) spoken to over IPC. Messages are
 * `{ type, ... }` objects; `next(type)` resolves with the next message of that type.
 */
export class Child {
  constructor(script, args = [], { execArgv = [], env = {} } = {}) {
    this.name = `${script.split('/').pop()} ${args.join(' ')}`.trim();
    this.proc = fork(script, args, {
      execArgv,
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.queue = [];
    this.waiters = [];
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
    this.proc.on('message', (message) => {
      const i = this.waiters.findIndex((w) => w.type === message.type);
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(message);
      else this.queue.push(message);
    });
    void this.exited.then(({ code, signal }) => {
      for (const w of this.waiters.splice(0)) {
        w.reject(new Error(`${this.name} exited (${code ?? signal}) while waiting for "${w.type}"`));
      }
    });
  }

  send(message) {
    this.proc.send(message);
  }

  /** The next message of `type` (`timeoutMs`: fail instead of hanging the whole run). */
  next(type, timeoutMs = 120_000) {
    const i = this.queue.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]);
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
      return Promise.reject(new Error(`${this.name} has exited; no "${type}" will come`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const j = this.waiters.indexOf(waiter);
        if (j >= 0) this.waiters.splice(j, 1);
        reject(new Error(`${this.name}: no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends `{ type }` and waits for the reply of type `reply`. */
  async ask(message, reply, timeoutMs) {
    const answer = this.next(reply, timeoutMs);
    this.send(message);
    return answer;
  }

  /** Asks the child to stop (`{ type: 'stop' }`), then kills it if it does not exit within `graceMs`. */
  async stop(graceMs = 10_000) {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited;
    try {
      this.send({ type: 'stop' });
    } catch {
      // The channel is already closed.
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

/** Child side: the parent's messages, as an async queue (plus standing handlers for some types). */
export function parentChannel() {
  const queue = [];
  const waiters = [];
  const handlers = new Map();
  process.on('message', (message) => {
    const handler = handlers.get(message.type);
    if (handler) return void handler(message);
    const i = waiters.findIndex((w) => w.type === message.type);
    if (i >= 0) waiters.splice(i, 1)[0].resolve(message);
    else queue.push(message);
  });
  return {
    send: (message) => new Promise((resolve) => process.send(message, resolve)),
    next: (type) => {
      const i = queue.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
    /** Calls `handler(message)` for every message of `type`, queued ones included. */
    on: (type, handler) => {
      handlers.set(type, handler);
      for (let i = queue.length - 1; i >= 0; i--) {
        if (queue[i].type === type) void handler(queue.splice(i, 1)[0]);
      }
    },
  };
}

/** The `p`-th percentile (0–100) of `values` (nearest rank). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values) {
  return percentile(values, 50);
}

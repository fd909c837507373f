import { describe, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// Starts real `redis-server` processes on loopback for the Redis suites: one per spec file, on a free port, with
// persistence off and a throw-away working directory.

/** The `redis-server` executable (`REDIS_SERVER_BIN` overrides the PATH lookup), or null when there is none. */
export const redisServerBinary: string | null = findRedisServer();

/** Why the Redis suites are skipped, or null when they run. */
export const redisSkipReason: string | null = redisServerBinary
  ? null
  : 'redis-server is not on the PATH — install it (Debian/Ubuntu: apt-get install -y redis-server) to run the RedisStore suites';

/**
 * `describe` when redis-server is available; otherwise a suite with one skipped test whose name gives the reason
 * (also printed), so a machine without Redis skips visibly instead of failing or passing. With
 * `REQUIRE_REDIS_SERVER=1` (CI) a missing redis-server fails instead.
 */
export function describeWithRedis(name: string, fn: () => void): void {
  if (redisSkipReason === null) {
    describe(name, fn);
    return;
  }
  if (process.env.REQUIRE_REDIS_SERVER === '1') {
    // CI sets this: there, a missing redis-server is a broken setup, not a reason to skip.
    describe(name, () => {
      it('needs redis-server (REQUIRE_REDIS_SERVER=1)', () => {
        throw new Error(redisSkipReason);
      });
    });
    return;
  }
  // Straight to stderr: jest drops buffered console output of a file whose tests are all skipped.
  process.stderr.write(`\nSkipping "${name}": ${redisSkipReason}\n`);
  describe(name, () => {
    it.skip(`skipped: ${redisSkipReason}`, () => undefined);
  });
}

/** A running redis-server, with the controls the outage tests need. */
export interface RedisServerHandle {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (with the password when started with one). */
  readonly url: string;
  /** Stops the server (SIGTERM, waits for the exit) and removes its directory. Idempotent; restart() works after it. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (persistence is off: like a Redis that lost its data). */
  restart(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open but nothing is answered — a hung Redis. */
  pause(): void;
  /** Unfreezes it (SIGCONT). */
  resume(): void;
}

export interface StartRedisOptions {
  /** Sets `requirepass`. */
  password?: string;
}

/** Starts a redis-server on a free loopback port and resolves once it answers PING. */
export async function startRedisServer(options: StartRedisOptions = {}): Promise<RedisServerHandle> {
  if (!redisServerBinary) throw new Error(redisSkipReason ?? 'redis-server not found');
  const binary = redisServerBinary;
  const dir = mkdtempSync(join(tmpdir(), 'wecom-batch-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  let paused = false;

  const launch = async (): Promise<void> => {
    mkdirSync(dir, { recursive: true }); // stop() removes it; restart() launches again
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push('--dir', dir, '--daemonize', 'no', '--loglevel', 'warning');
    if (options.password) args.push('--requirepass', options.password);
    const proc = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    child = proc;
    const deadline = Date.now() + 5000;
    for (;;) {
      const exit = await Promise.race([exited, sleep(20).then(() => 'running' as const)]);
      if (exit !== 'running') throw new Error(`redis-server exited (${exit}) on port ${port}: ${stderr.trim()}`);
      if (await answersPing(port, options.password)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not answer PING on port ${port} within 5 s`);
      }
    }
  };

  // A free port can be taken between probing and binding by a parallel test: try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt === 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  const stopProcess = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    if (paused) proc.kill('SIGCONT');
    paused = false;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    host: '127.0.0.1',
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    stop: async () => {
      await stopProcess();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stopProcess();
      await launch();
    },
    pause: () => {
      child?.kill('SIGSTOP');
      paused = true;
    },
    resume: () => {
      child?.kill('SIGCONT');
      paused = false;
    },
  };
}

function findRedisServer(): string | null {
  const override = process.env.REDIS_SERVER_BIN;
  if (override !== undefined) return override !== '' && isExecutable(override) ? override : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'redis-server');
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when a raw RESP PING on `port` gets +PONG (no client library: the helper must not depend on ioredis). */
function answersPing(port: number, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => {
      const auth = password ? `AUTH ${password}\r\n` : '';
      socket.write(`${auth}PING\r\n`);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('+PONG')) done(true);
      else if (reply.includes('-LOADING') || reply.includes('-ERR')) done(false);
    });
  });
}

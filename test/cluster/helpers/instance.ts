import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../e2e/helpers/free-port.js';

// The parent side of test/cluster/fixtures/instance.mjs: starts app instances as separate Node processes, calls
// them over IPC, collects their events and logs, and makes sure none outlives the test.

const root = process.cwd();
const FIXTURE = join(root, 'test/cluster/fixtures/instance.mjs');
const BUILT_ENTRY = join(root, 'dist/esm/index.js');
const BOOT_TIMEOUT_MS = 20_000;
const DEFAULT_CALL_TIMEOUT_MS = 15_000;

/** The simulated corp of the cluster suites. Its secrets are checked never to reach an instance's output. */
export const CORP = {
  corpId: 'wwcluster00000001',
  corpSecret: 'ClusterCorpSecret-0123456789abcdef',
  callbackToken: 'ClusterCallbackToken01',
  encodingAESKey: 'Q2x1c3RlcktleTAxMjM0NTY3ODlhYmNkZWZnaGlqa2x',
};

/** Everything an instance is booted with (sent to the fixture as JSON). */
export interface InstanceConfig {
  /** Shown in errors and log dumps. */
  name: string;
  /** Port to listen on (e.g. picked with `freePort()` so another instance's callback URL can name it). */
  port?: number;
  redisUrl: string;
  /** RedisStore keyPrefix: each test uses its own, so tests sharing one redis-server cannot see each other. */
  keyPrefix: string;
  apiBaseUrl: string;
  /** The callback URL sent with jobs (a load balancer's, in a cluster). Default: the instance's own route. */
  callbackUrl?: string;
  /** `'client'` (default): the app's own ioredis client; `'url'`: the store opens its connection itself. */
  storeConnection?: 'client' | 'url';
  /** ioredis options of the app's own client. */
  redisOptions?: Record<string, unknown>;
  /** Extra WeComBatchModule options (JSON only): polling, retry, requestTimeoutMs… */
  moduleOptions?: Record<string, unknown>;
}

/** An event the instance's EventEmitter2 emitted, as JSON. */
export interface ForwardedEvent {
  name: 'submitted' | 'completed' | 'failed';
  payload: Record<string, unknown> & { jobId: string };
}

/** An error thrown inside an instance, as data (see `describeError` in the fixture). */
export interface RemoteError {
  name: string;
  message: string;
  /** The package's error classes it is an `instanceof` (checked in the instance). */
  instanceOf: string[];
  kind?: string;
  operation?: string;
  errcode?: number | null;
  endpoint?: string;
  timedOut?: boolean;
  retryable?: boolean;
  cause?: string;
}

/** A call that failed inside the instance; `remote` is what was thrown there. */
export class InstanceCallError extends Error {
  constructor(
    readonly instance: string,
    readonly method: string,
    readonly remote: RemoteError,
  ) {
    super(`${instance}.${method} failed: ${remote.name}: ${remote.message}`);
    this.name = 'InstanceCallError';
  }
}

const running = new Set<Instance>();

/** One app instance: a child Node process running the fixture. */
export class Instance {
  readonly events: ForwardedEvent[] = [];
  /** Unhandled rejections and uncaught exceptions reported by the instance. */
  readonly problems: string[] = [];
  private output = '';
  private nextId = 1;
  private readonly replies = new Map<
    number,
    { method: string; resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  /** Resolves with the exit code and signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly config: InstanceConfig & { port: number },
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer): void => {
      this.output += chunk.toString();
      if (process.env.CLUSTER_LOGS === '1') process.stderr.write(`[${config.name}] ${chunk.toString()}`);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(({ code, signal }) => {
      running.delete(this);
      for (const { reject } of this.replies.values()) {
        reject(new Error(`${config.name} exited (${signal ?? code}) before answering\n${this.tail()}`));
      }
      this.replies.clear();
    });
    child.on('message', (message: ChildMessage) => this.onMessage(message));
  }

  get name(): string {
    return this.config.name;
  }

  /** http://127.0.0.1:<port>/wecom/batch/callback — this instance's own callback route. */
  get callbackUrl(): string {
    return callbackUrlOf(this.config.port);
  }

  /** Everything the instance wrote to stdout and stderr (its log lines). */
  get logs(): string {
    return this.output;
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** The forwarded events named `name` (of `jobId` when given). */
  eventsNamed(name: ForwardedEvent['name'], jobId?: string): ForwardedEvent['payload'][] {
    return this.events
      .filter((e) => e.name === name && (jobId === undefined || e.payload.jobId === jobId))
      .map((e) => e.payload);
  }

  /** Calls a fixture command; rejects with an `InstanceCallError` when it threw inside the instance. */
  call<T>(method: string, args: Record<string, unknown> = {}, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replies.delete(id);
        reject(new Error(`${this.name}.${method} did not answer within ${timeoutMs} ms\n${this.tail()}`));
      }, timeoutMs);
      this.replies.set(id, {
        method,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ type: 'call', id, method, args }, (error) => {
        if (error) this.replies.get(id)?.reject(error);
      });
    });
  }

  /** Kills the process at once (a crash: nothing is cleaned up) and waits for it to be gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }

  /**
   * Asks for a graceful shutdown (`app.close()`) and measures how long the process takes to exit by itself
   * afterwards. Killed (and reported as not exited) after `exitWithinMs`.
   */
  async shutdown(exitWithinMs = 5_000): Promise<ShutdownOutcome> {
    const started = performance.now();
    const steps = await this.call<{ appCloseMs: number; clientQuitMs: number }>('shutdown', {}, exitWithinMs);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      this.exited.then((e) => ({ exitedByItself: true, code: e.code })),
      new Promise<{ exitedByItself: false; code: null }>((resolve) => {
        timer = setTimeout(() => resolve({ exitedByItself: false, code: null }), exitWithinMs);
      }),
    ]);
    clearTimeout(timer);
    const ms = Math.round(performance.now() - started);
    if (!outcome.exitedByItself) await this.kill();
    return { ...outcome, ...steps, ms };
  }

  /** The last lines of the instance's output, for failure messages. */
  tail(lines = 30): string {
    return this.output
      .split('\n')
      .slice(-lines)
      .map((l) => `  [${this.name}] ${l}`)
      .join('\n');
  }

  /** Called once the fixture reports ready (or fails to boot). */
  ready(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.name} did not boot within ${BOOT_TIMEOUT_MS} ms\n${this.tail()}`));
      }, BOOT_TIMEOUT_MS);
      this.onReady = (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      void this.exited.then(({ code, signal }) =>
        this.onReady?.(new Error(`${this.name} exited (${signal ?? code}) while booting\n${this.tail()}`)),
      );
    });
  }

  private onReady?: (error?: Error) => void;

  private onMessage(message: ChildMessage): void {
    switch (message.type) {
      case 'ready':
        this.onReady?.();
        this.onReady = undefined;
        break;
      case 'fatal':
        this.output += `fatal: ${message.message}\n`;
        this.onReady?.(new Error(`${this.name}: ${message.message}`));
        this.onReady = undefined;
        break;
      case 'event':
        this.events.push({ name: message.name, payload: message.payload });
        break;
      case 'problem':
        this.problems.push(message.message);
        break;
      case 'reply': {
        const pending = this.replies.get(message.id);
        if (!pending) return;
        this.replies.delete(message.id);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(new InstanceCallError(this.name, pending.method, message.error));
        break;
      }
    }
  }
}

/** How a graceful shutdown went: `ms` from the request to the process's exit. */
export interface ShutdownOutcome {
  exitedByItself: boolean;
  code: number | null;
  ms: number;
  /** Time `app.close()` took inside the instance. */
  appCloseMs: number;
  /** Time the app then took to quit its own ioredis client (0 when the store owns the connection). */
  clientQuitMs: number;
}

type ChildMessage =
  | { type: 'ready' }
  | { type: 'fatal'; message: string }
  | { type: 'problem'; message: string }
  | { type: 'event'; name: ForwardedEvent['name']; payload: ForwardedEvent['payload'] }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: RemoteError };

/** The callback route of an instance listening on `port`. */
export function callbackUrlOf(port: number): string {
  return `http://127.0.0.1:${port}/wecom/batch/callback`;
}

/** Fails with what to do when the package has not been built (the fixture loads dist/, as users do). */
export function assertBuilt(): void {
  if (!existsSync(BUILT_ENTRY)) {
    throw new Error(
      'The cluster tests run the BUILT package (dist/esm) in child processes: run `npm run build` first.',
    );
  }
}

/** Forks an instance on a free port and resolves once it listens. */
export async function startInstance(config: InstanceConfig): Promise<Instance> {
  assertBuilt();
  const port = config.port ?? (await freePort());
  const full = { ...config, port, corp: CORP };
  // Not jest's NODE_OPTIONS (--experimental-vm-modules): the instance is a plain Node app.
  const env = { ...process.env, NODE_OPTIONS: '' };
  const child = fork(FIXTURE, [JSON.stringify(full)], { cwd: root, env, execArgv: [], stdio: 'pipe' });
  const instance = new Instance(full, child);
  running.add(instance);
  await instance.ready();
  return instance;
}

/** Starts several instances at once. */
export function startInstances(configs: InstanceConfig[]): Promise<Instance[]> {
  return Promise.all(configs.map((c) => startInstance(c)));
}

/** Kills every instance still running (afterEach): no child outlives its test, whatever happened. */
export async function killAllInstances(): Promise<void> {
  await Promise.all([...running].map((instance) => instance.kill()));
}

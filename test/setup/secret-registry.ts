import { parse } from 'csv-parse/sync';
import type { SimulatedMember, WeComSimulator, WeComSimulatorOptions } from 'nestjs-wecom-batch/testing';
import type { ForbiddenValues } from './telemetry-leaks.js';

// What the whole-run telemetry guard (./otel-leak-guard.ts) must never find in a span or a metric: the secrets of
// the test helpers' corps and module options, and — learnt from every simulator a helper started in the file —
// the access tokens it issued, the keys the module sent it (callback keys, export EncodingAESKeys) and the
// names, mobiles and e-mails of every member it held or received.
//
// The state lives on the test file's global object, not in this module: the setup file and the helpers reach it
// through jest's module registry, and a second copy of this module (a CommonJS/ESM pair) must not split it.

interface Registry {
  simulators: Array<{ sim: WeComSimulator; options: WeComSimulatorOptions }>;
  values: Map<string, string>;
}

const KEY = Symbol.for('nestjs-wecom-batch.test.telemetry-secret-registry');

function registry(): Registry {
  const holder = globalThis as { [KEY]?: Registry };
  return (holder[KEY] ??= { simulators: [], values: new Map() });
}

/** Property names whose string values are credentials: corpSecret, token, encodingAESKey, encoding_aeskey… */
const SECRET_PROPERTY = /(secret|token|aeskey|key|password)$/i;
/** Member fields that are personal data (the simulator's member shape). */
const PERSONAL_FIELDS = ['name', 'mobile', 'email', 'alias', 'telephone'] as const;
/** Import-file headers of the same fields (WeCom's member template). */
const PERSONAL_HEADERS: Readonly<Record<string, string>> = {
  姓名: 'name',
  手机号: 'mobile',
  邮箱: 'email',
  别名: 'alias',
  座机: 'telephone',
};

/**
 * Registers a simulator a test helper started: at the end of the file the guard asks it what it issued and
 * received. Returns `sim`, so a helper can `return watchSimulator(await WeComSimulator.start(options), options)`.
 */
export function watchSimulator(sim: WeComSimulator, options: WeComSimulatorOptions): WeComSimulator {
  registry().simulators.push({ sim, options });
  return sim;
}

/**
 * Registers every credential found in `value` (module options, a helper's corp constants): string values of
 * plain-object properties named like a secret ({@link SECRET_PROPERTY}), at any depth. Returns `value`.
 */
export function forbidSecretsOf<T>(value: T, kind = 'test secret'): T {
  collectSecrets(value, kind, registry().values);
  return value;
}

/** Registers values by hand (what no helper or simulator knows of). */
export function forbidInTelemetry(kind: string, ...values: string[]): void {
  for (const value of values) add(registry().values, kind, value);
}

/** Simulators watched so far in this file. */
export function watchedSimulators(): number {
  return registry().simulators.length;
}

/**
 * Everything the guard must not find, as of now (simulators are asked again on every call): value → what it is.
 * A map, not a list: a 250,000-row sync puts every member in the directory and in the uploaded file.
 */
export function forbiddenValues(): ForbiddenValues {
  const found = new Map(registry().values);
  for (const { sim, options } of registry().simulators) {
    collectSecrets(options.corps, 'simulated corp secret', found);
    for (const corp of options.corps) {
      for (const token of sim.issuedTokens(corp.corpId)) add(found, 'access token', token);
      for (const member of [...(corp.users ?? []), ...sim.directory(corp.corpId).users]) collectMember(member, found);
      for (const upload of sim.uploads(corp.corpId)) collectImportFile(upload.bytes, found);
    }
    for (const request of sim.rawRequests()) {
      collectSecrets(Object.fromEntries(new URL(request.url, sim.baseUrl).searchParams), 'credential sent', found);
      if (request.endpoint === 'media/upload' || request.bodyBytes.length === 0) continue;
      try {
        collectSecrets(JSON.parse(request.bodyBytes.toString('utf8')), 'key sent to WeCom', found);
      } catch {
        // Not JSON (a hostile or truncated body of a fault test): nothing the module sent.
      }
    }
  }
  return found;
}

/** The first kind found for a value is kept. */
function add(into: Map<string, string>, kind: string, value: string): void {
  if (value !== '' && !into.has(value)) into.set(value, kind);
}

function collectSecrets(value: unknown, kind: string, into: Map<string, string>, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) collectSecrets(item, kind, into, depth + 1);
    return;
  }
  // Plain objects only: a store or logger instance in module options holds no configured secret of its own.
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return;
  for (const [name, field] of Object.entries(value)) {
    if (SECRET_PROPERTY.test(name)) {
      const strings = Array.isArray(field) ? field : [field];
      for (const item of strings) if (typeof item === 'string') add(into, `${kind} (${name})`, item);
    } else {
      collectSecrets(field, kind, into, depth + 1);
    }
  }
}

function collectMember(member: SimulatedMember, into: Map<string, string>): void {
  for (const field of PERSONAL_FIELDS) {
    const value: unknown = member[field];
    if (typeof value === 'string') add(into, `member ${field}`, value);
  }
}

/** The personal columns of an uploaded member file (a department file or a non-CSV upload has none). */
function collectImportFile(bytes: Buffer, into: Map<string, string>): void {
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  let rows: string[][];
  if (!text.includes('"')) {
    // The module's files quote nothing unless `allowCsvQuoting` is on: a plain split is much faster than a CSV
    // parser on a 250,000-row file.
    rows = text.split('\n').map((line) => line.split(','));
  } else {
    try {
      rows = parse(text, { relax_column_count: true, relax_quotes: true, skip_empty_lines: true });
    } catch {
      return;
    }
  }
  const header = rows[0] ?? [];
  const columns = header.flatMap((name, index) => {
    const field = PERSONAL_HEADERS[name.trim()];
    return field ? [{ index, kind: `member ${field} (uploaded)` }] : [];
  });
  for (let row = 1; row < rows.length; row++) {
    for (const { index, kind } of columns) {
      const value = rows[row]![index]?.trim();
      if (value) add(into, kind, value);
    }
  }
}

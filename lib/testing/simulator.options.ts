import { checkExportCorpOptions } from './export-options.rules.js';
import type { SimulatedConsoleCallback, SimulatedTag, WithholdableExportField } from './simulator-export.types.js';
import type { SimulatedDepartment, SimulatedMember } from './simulator.types.js';

/** One simulated corp (企业): its credentials and initial directory. */
export interface SimulatedCorpOptions {
  /** 企业ID (CorpID). Also the receiveId of its encrypted callbacks and their `ToUserName`. */
  corpId: string;
  /** The app secret(s) `gettoken` accepts for this corp (e.g. the 通讯录同步 secret). */
  corpSecret: string | string[];
  /**
   * UserID of the corp's creator: `replaceuser` never deletes it (a 301005 row instead) and it does not
   * count towards the 45026 deletion guard.
   */
  creator?: string;
  /**
   * Initial departments. The root (id 1, parent 0) is added when absent.
   * @default [{ id: 1, name: corpId, parentId: 0, order: 0 }]
   */
  departments?: SimulatedDepartment[];
  /** Initial members. Their departments must exist. */
  users?: SimulatedMember[];
  /**
   * Extended attributes (扩展属性) created in the admin console. Import columns with these exact header
   * names are stored in `extAttrs`; other unknown columns are ignored, as WeCom ignores attributes that do
   * not exist.
   * @default []
   */
  extAttrs?: string[];
  /**
   * Tag ids that exist (`batch/invite` reports others in `invalidtag`).
   * @default []
   */
  tagIds?: number[];
  /**
   * Tags with their members and departments, read by `export/taguser` (their ids also count as `tagIds`).
   * @default []
   */
  tags?: SimulatedTag[];
  /**
   * The admin console's callback of the 通讯录同步 app: export completions (`batch_job_result` with JobType
   * `export_*`) are delivered there, signed and encrypted with these keys, retried like import callbacks.
   * Without it exports complete silently (polling `export/get_result` only), as WeCom does.
   */
  console?: SimulatedConsoleCallback;
  /**
   * Fields `export/user` leaves out for this corp, as WeCom may for callers since 2022-06-20 (UNCONFIRMED for
   * the 通讯录同步 secret): to test that a reader says "unknown", not "empty".
   * @default []
   */
  withheldFields?: WithholdableExportField[];
}

/** Options of `WeComSimulator.start()`. Every duration is in milliseconds unless its name says otherwise. */
export interface WeComSimulatorOptions {
  /** The corps the simulator hosts (at least one). */
  corps: SimulatedCorpOptions[];
  /**
   * Port to listen on (always on 127.0.0.1).
   * @default 0 (a free port)
   */
  port?: number;
  /**
   * Wall-clock time from submission to completion of an import job. The job reports status 1 (started)
   * for the first half and 2 (running) for the second; the directory changes at completion. `Infinity`
   * keeps jobs running until `completeJobs()` is called.
   * @default 100
   */
  jobDelayMs?: number;
  /**
   * `expires_in` of issued access tokens; they answer 42001 once that much simulated time has passed.
   * @default 7200
   */
  tokenTtlSeconds?: number;
  /**
   * Lifetime of uploaded media ids in simulated time; they answer 40007 afterwards.
   * @default 259200000 (3 days)
   */
  mediaTtlMs?: number;
  /**
   * How long a callback attempt waits for the app's answer before counting it as failed (WeCom: 5 s).
   * @default 5000
   */
  callbackTimeoutMs?: number;
  /**
   * Attempts after the first when the app does not answer 200 in time (WeCom: "retries three times").
   * @default 3
   */
  callbackRetries?: number;
  /**
   * Pause before each retry (WeCom documents none).
   * @default 200
   */
  callbackRetryDelayMs?: number;
  /**
   * Where the replaceuser deletion guard (45026) fires — WeCom does not say (UNCONFIRMED):
   * - `'job'`: the job is accepted and finishes with job-level `ErrCode` 45026, nothing applied, and every
   *   result row carries 45026;
   * - `'submit'`: `batch/replaceuser` itself answers 45026 and no job is created.
   * @default 'job'
   */
  deletionGuard?: 'job' | 'submit';
  /**
   * Lifetime of the file URLs `export/get_result` hands out, in simulated time (WeCom: 2 hours). An expired URL
   * answers HTTP 403; calling `get_result` again hands out fresh ones.
   * @default 7200000 (2 h)
   */
  exportUrlTtlMs?: number;
  /**
   * The `JobType` of the tag export's completion event: WeCom's own pages name it both ways.
   * @default 'export_taguser'
   */
  tagExportJobType?: 'export_taguser' | 'export_tag';
  /**
   * Source of simulated time (ms since epoch), used for token and media expiry, `created_at`, `CreateTime`
   * and timestamps. Timers (job delay, callback timeout) always run on real time.
   * @default Date.now
   */
  clock?: () => number;
}

/** Defaults of the optional settings. */
export const SIMULATOR_DEFAULTS = {
  port: 0,
  jobDelayMs: 100,
  tokenTtlSeconds: 7200,
  mediaTtlMs: 3 * 24 * 60 * 60 * 1000,
  callbackTimeoutMs: 5000,
  callbackRetries: 3,
  callbackRetryDelayMs: 200,
  deletionGuard: 'job',
  exportUrlTtlMs: 2 * 60 * 60 * 1000,
  tagExportJobType: 'export_taguser',
} as const;

/** Options with every default applied. */
export type ResolvedSimulatorOptions = Required<Omit<WeComSimulatorOptions, 'clock'>> & { clock: () => number };

const USERID = /^[A-Za-z0-9][A-Za-z0-9_\-@.]*$/;

function isDuration(value: unknown, allowInfinity = false): boolean {
  return typeof value === 'number' && value >= 0 && (Number.isFinite(value) || (allowInfinity && value === Infinity));
}

/**
 * Applies the defaults and checks the options, returning every problem found (an empty list when they are
 * valid): the simulator must not start with a directory WeCom could never be in.
 */
export function resolveSimulatorOptions(options: WeComSimulatorOptions): {
  resolved: ResolvedSimulatorOptions;
  problems: string[];
} {
  const resolved: ResolvedSimulatorOptions = {
    ...SIMULATOR_DEFAULTS,
    ...Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined)),
    clock: options?.clock ?? Date.now,
  } as ResolvedSimulatorOptions;
  const problems: string[] = [];
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) {
    problems.push('port: must be an integer from 0 to 65535');
  }
  if (!isDuration(resolved.jobDelayMs, true)) problems.push('jobDelayMs: must be a number ≥ 0 (or Infinity)');
  if (!isDuration(resolved.tokenTtlSeconds) || resolved.tokenTtlSeconds === 0) {
    problems.push('tokenTtlSeconds: must be a positive number');
  }
  if (!isDuration(resolved.mediaTtlMs) || resolved.mediaTtlMs === 0) problems.push('mediaTtlMs: must be positive');
  if (!isDuration(resolved.callbackTimeoutMs) || resolved.callbackTimeoutMs === 0) {
    problems.push('callbackTimeoutMs: must be a positive number');
  }
  if (!Number.isInteger(resolved.callbackRetries) || resolved.callbackRetries < 0) {
    problems.push('callbackRetries: must be an integer ≥ 0');
  }
  if (!isDuration(resolved.callbackRetryDelayMs)) problems.push('callbackRetryDelayMs: must be a number ≥ 0');
  if (resolved.deletionGuard !== 'job' && resolved.deletionGuard !== 'submit') {
    problems.push("deletionGuard: must be 'job' or 'submit'");
  }
  if (!isDuration(resolved.exportUrlTtlMs) || resolved.exportUrlTtlMs === 0) {
    problems.push('exportUrlTtlMs: must be a positive number');
  }
  if (resolved.tagExportJobType !== 'export_taguser' && resolved.tagExportJobType !== 'export_tag') {
    problems.push("tagExportJobType: must be 'export_taguser' or 'export_tag'");
  }
  if (typeof resolved.clock !== 'function') problems.push('clock: must be a function returning ms since epoch');

  if (!Array.isArray(resolved.corps) || resolved.corps.length === 0) {
    problems.push('corps: at least one corp is required');
    return { resolved, problems };
  }
  const corpIds = new Set<string>();
  resolved.corps.forEach((corp, c) => {
    const at = `corps[${c}]`;
    if (typeof corp?.corpId !== 'string' || corp.corpId === '')
      problems.push(`${at}.corpId: must be a non-empty string`);
    else if (corpIds.has(corp.corpId)) problems.push(`${at}.corpId: ${corp.corpId} is listed twice`);
    else corpIds.add(corp.corpId);
    const secrets = Array.isArray(corp?.corpSecret) ? corp.corpSecret : [corp?.corpSecret];
    if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s === '')) {
      problems.push(`${at}.corpSecret: must be a non-empty string or a list of them`);
    }

    const departments = new Map<number, number>();
    (corp?.departments ?? []).forEach((d, i) => {
      if (!Number.isInteger(d?.id) || d.id < 1) problems.push(`${at}.departments[${i}].id: must be an integer ≥ 1`);
      else if (departments.has(d.id)) problems.push(`${at}.departments[${i}].id: ${d.id} is listed twice`);
      else departments.set(d.id, d.parentId);
      if (typeof d?.name !== 'string' || d.name === '') {
        problems.push(`${at}.departments[${i}].name: must be a non-empty string`);
      }
      if (d?.id === 1 ? d.parentId !== 0 : !Number.isInteger(d?.parentId) || d.parentId < 1) {
        problems.push(`${at}.departments[${i}].parentId: the root (id 1) has parent 0, others a department id`);
      }
    });
    if (!departments.has(1)) departments.set(1, 0);
    for (const [id, parentId] of departments) {
      if (id !== 1 && !departments.has(parentId)) {
        problems.push(`${at}.departments: the parent ${parentId} of department ${id} does not exist`);
      }
    }

    const userids = new Set<string>();
    const mobiles = new Set<string>();
    const emails = new Set<string>();
    (corp?.users ?? []).forEach((u, i) => {
      const field = `${at}.users[${i}]`;
      if (typeof u?.userid !== 'string' || !USERID.test(u.userid) || Buffer.byteLength(u.userid) > 64) {
        problems.push(`${field}.userid: 1–64 bytes of letters, digits, _-@. starting with a letter or digit`);
      } else if (userids.has(u.userid.toLowerCase())) {
        problems.push(`${field}.userid: ${u.userid} is listed twice (userids are unique ignoring case)`);
      } else userids.add(u.userid.toLowerCase());
      if (typeof u?.name !== 'string' || u.name === '') problems.push(`${field}.name: must be a non-empty string`);
      if (!Array.isArray(u?.departments) || u.departments.length === 0) {
        problems.push(`${field}.departments: must list at least one department`);
      } else {
        for (const id of u.departments) {
          if (!departments.has(id)) problems.push(`${field}.departments: department ${id} does not exist`);
        }
      }
      if (!u?.mobile && !u?.email) problems.push(`${field}: needs a mobile or an email (WeCom 60129)`);
      if (u?.mobile) {
        if (mobiles.has(u.mobile)) problems.push(`${field}.mobile: ${u.mobile} is used twice`);
        mobiles.add(u.mobile);
      }
      if (u?.email) {
        if (emails.has(u.email.toLowerCase())) problems.push(`${field}.email: ${u.email} is used twice`);
        emails.add(u.email.toLowerCase());
      }
    });
    checkExportCorpOptions(corp, at, departments, userids, problems);
    if (corp?.creator !== undefined && !userids.has(corp.creator.toLowerCase())) {
      problems.push(`${at}.creator: ${corp.creator} is not one of the corp's users`);
    }
  });
  return { resolved, problems };
}

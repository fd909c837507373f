import { randomBytes } from 'node:crypto';
import type { FaultInjector } from './fault-injector.service.js';
import {
  InvalidImportFile,
  readMemberFile,
  readMemberFileSliced,
  readPartyFile,
  readPartyFileSliced,
  type MemberFileRow,
  type PartyFileRow,
} from './import-file.parser.js';
import type { JobRunner } from './job-runner.service.js';
import type { Answer, CorpState, FailAnswer, JobCallback, JobState } from './simulator-state.types.js';

/** The import endpoints and the job type each starts. */
export const IMPORT_JOB_TYPES = {
  'batch/syncuser': 'sync_user',
  'batch/replaceuser': 'replace_user',
  'batch/replaceparty': 'replace_party',
} as const;

/** An endpoint that submits an import job. */
export type ImportEndpoint = keyof typeof IMPORT_JOB_TYPES;

/** Files above this size are parsed in time slices (a 20 MB file must not hold the event loop for a second). */
const SLICED_FILE_BYTES = 1024 * 1024;

/** What the handler needs from the simulator's options. */
export interface BatchImportSettings {
  deletionGuard: 'job' | 'submit';
  now: () => number;
}

/**
 * `batch/syncuser`, `batch/replaceuser`, `batch/replaceparty`: checks the submission (media id, `to_invite`,
 * `callback`), refuses a second import while one runs (302008) and a file that cannot be read (40092), and
 * hands the new job to the runner.
 */
export class BatchImportHandler {
  constructor(
    private readonly settings: BatchImportSettings,
    private readonly faults: FaultInjector,
    private readonly runner: JobRunner,
  ) {}

  /** Answers a parsed submission body with the new `jobid`, or WeCom's error. */
  async submit(
    corp: CorpState,
    endpoint: ImportEndpoint,
    json: Record<string, unknown>,
    fail: FailAnswer,
  ): Promise<Answer> {
    const type = IMPORT_JOB_TYPES[endpoint];
    const mediaId = json.media_id;
    if (mediaId === undefined || mediaId === '') return fail(41006);
    if (typeof mediaId !== 'string') return fail(40058, 'Warning: wrong json format. media_id must be a string');
    const upload = corp.uploads.get(mediaId);
    if (!upload || this.settings.now() >= upload.expiresAt) {
      return fail(40007, 'invalid media_id: unknown or expired (3 days)');
    }

    let toInvite: boolean | undefined;
    if (type !== 'replace_party') {
      // `to_invite` defaults to true; replaceparty has none (a stray one is ignored).
      if (json.to_invite !== undefined && typeof json.to_invite !== 'boolean') {
        return fail(40058, 'Warning: wrong json format. to_invite must be a boolean');
      }
      toInvite = json.to_invite !== false;
    }

    const callback = readCallback(json);
    if (typeof callback === 'string') return fail(40057, callback);

    if (corp.running || corp.importReserved) return fail(302008);

    let rows: MemberFileRow[] | PartyFileRow[] | InvalidImportFile;
    if (upload.bytes.length <= SLICED_FILE_BYTES) {
      rows = type === 'replace_party' ? readPartyFile(upload.bytes) : readMemberFile(upload.bytes);
    } else {
      // The import slot is held while a big file is read, so a second submission meanwhile still gets 302008.
      corp.importReserved = true;
      try {
        rows = await (type === 'replace_party'
          ? readPartyFileSliced(upload.bytes)
          : readMemberFileSliced(upload.bytes));
      } finally {
        corp.importReserved = false;
      }
    }
    if (rows instanceof InvalidImportFile) return fail(40092, `import file contains invalid content: ${rows.reason}`);
    if (
      type === 'replace_user' &&
      this.settings.deletionGuard === 'submit' &&
      corp.directory.checkMemberFile(rows as MemberFileRow[]) === 0 &&
      corp.directory.triggersDeletionGuard(rows as MemberFileRow[])
    ) {
      return fail(45026);
    }

    const jobId = randomBytes(32).toString('base64url');
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const job: JobState = {
      view: {
        jobId,
        corpId: corp.options.corpId,
        type,
        status: 1,
        percentage: 0,
        total: rows.length,
        errCode: 0,
        errMsg: 'ok',
        mediaId,
        toInvite,
        callbackUrl: callback?.url,
        callbackState: callback ? 'waiting' : 'none',
        result: [],
        resultAvailable: true,
        submittedAt: this.settings.now(),
      },
      memberRows: type === 'replace_party' ? undefined : (rows as MemberFileRow[]),
      partyRows: type === 'replace_party' ? (rows as PartyFileRow[]) : undefined,
      callback,
      forcedErrcode: this.faults.takeJobFailure(),
      timers: [],
      startedReal: performance.now(),
      finished,
      finish,
    };
    this.runner.start(corp, job);
    return { status: 200, body: { errcode: 0, errmsg: 'ok', jobid: jobId } };
  }
}

/**
 * The submission's `callback`, undefined when absent, or the 40057 detail when invalid. Only the documented
 * singular `callback` counts; a `callbacks` key (a known SDK bug) is ignored.
 */
function readCallback(json: Record<string, unknown>): JobCallback | undefined | string {
  if (json.callback === undefined) return undefined;
  const cb = json.callback as Record<string, unknown> | null;
  const url = typeof cb?.url === 'string' ? cb.url : '';
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    return 'invalid callback url: http or https required';
  }
  if (typeof cb?.token !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(cb.token)) {
    return 'invalid callback token: 1-32 letters or digits';
  }
  if (typeof cb?.encodingaeskey !== 'string' || !/^[A-Za-z0-9]{43}$/.test(cb.encodingaeskey)) {
    return 'invalid callback encodingaeskey: 43 letters or digits';
  }
  return { url, token: cb.token, encodingAESKey: cb.encodingaeskey };
}

import { randomBytes } from 'node:crypto';
import type { ExportSource } from './export-document.writer.js';
import type { ExportDownloads } from './export-download.handler.js';
import { sourceSize } from './export-document.writer.js';
import { exportAesKey, isEncodingAesKey } from './export-file.cipher.js';
import type { ExportRunner } from './export-runner.service.js';
import type { FaultInjector } from './fault-injector.service.js';
import type { SimulatedExportType } from './simulator-export.types.js';
import type { Answer, CorpState, ExportJobState, FailAnswer, HandlerRequest } from './simulator-state.types.js';

/** The export endpoints and the job type each starts. */
export const EXPORT_JOB_TYPES = {
  'export/simple_user': 'export_simple_user',
  'export/user': 'export_user',
  'export/department': 'export_department',
  'export/taguser': 'export_taguser',
} as const satisfies Record<string, SimulatedExportType>;

/** An endpoint that submits an export job. */
export type ExportEndpoint = keyof typeof EXPORT_JOB_TYPES;

/** `block_size` limits and default (wecom-export-api.md §2). */
export const EXPORT_BLOCK_SIZE = { min: 10_000, max: 1_000_000, default: 1_000_000 } as const;

/** The 48009 text: the 通讯录同步 secret may not read details from a trusted IP added after 2022-08-15. */
export const DETAIL_READ_FORBIDDEN =
  'api forbidden, 不再允许通讯录同步助手从新增IP读取通讯录详情 (contacts details may not be read from this new IP)';

/**
 * `export/simple_user|user|department|taguser` and `export/get_result`: checks the submission (`encoding_aeskey`,
 * `block_size`, `tagid`), captures what the export reads, splits it into blocks of `block_size` records and hands
 * the job to the runner; `get_result` reports the status and, once done, a fresh URL for each file.
 */
export class ExportHandler {
  /** `forceExportBlockSize()`: the block size really used, whatever was asked. */
  forcedBlockSize?: number;

  constructor(
    private readonly now: () => number,
    private readonly faults: FaultInjector,
    private readonly runner: ExportRunner,
    private readonly downloads: ExportDownloads,
  ) {}

  /** Answers a parsed export submission with the new `jobid`, or WeCom's error. */
  submit(corp: CorpState, endpoint: ExportEndpoint, json: Record<string, unknown>, fail: FailAnswer): Answer {
    if (corp.detailReadsRestricted) return fail(48009, DETAIL_READ_FORBIDDEN);
    const type = EXPORT_JOB_TYPES[endpoint];
    const key = json.encoding_aeskey;
    if (key === undefined || key === '') return fail(40063, 'some parameters are empty: encoding_aeskey');
    if (!isEncodingAesKey(key)) return fail(40058, 'invalid parameter: encoding_aeskey must be 43 letters or digits');
    const asked = json.block_size;
    if (
      asked !== undefined &&
      (typeof asked !== 'number' ||
        !Number.isInteger(asked) ||
        asked < EXPORT_BLOCK_SIZE.min ||
        asked > EXPORT_BLOCK_SIZE.max)
    ) {
      return fail(40058, `invalid parameter: block_size must be an integer from 10000 to 1000000`);
    }
    let tagId: number | undefined;
    if (type === 'export_taguser') {
      if (json.tagid === undefined) return fail(40063, 'some parameters are empty: tagid');
      if (typeof json.tagid !== 'number' || !Number.isInteger(json.tagid)) return fail(40068, 'invalid tagid');
      if (!corp.tags.has(json.tagid)) return fail(40068, `invalid tagid: tag ${json.tagid} does not exist`);
      tagId = json.tagid;
    }

    const source = this.capture(corp, type, tagId);
    const blockSize = this.forcedBlockSize ?? (asked as number | undefined) ?? EXPORT_BLOCK_SIZE.default;
    const total = sourceSize(source);
    const blocks: ExportJobState['blocks'] = [];
    // An empty export still has one file: a valid document with an empty list.
    for (let start = 0; start < total || blocks.length === 0; start += blockSize) {
      blocks.push({ start, end: Math.min(total, start + blockSize) });
    }
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const job: ExportJobState = {
      view: {
        jobId: randomBytes(24).toString('base64url'),
        corpId: corp.options.corpId,
        type,
        tagId,
        status: 0,
        requestedBlockSize: asked as number | undefined,
        blockSize,
        total,
        files: [],
        errCode: 0,
        callbackState: corp.options.console ? 'waiting' : 'none',
        submittedAt: this.now(),
      },
      source,
      aesKey: exportAesKey(key),
      blocks,
      forcedErrcode: this.faults.takeExportFailure(),
      started: false,
      timers: [],
      finished,
      finish,
    };
    this.runner.start(corp, job);
    return { status: 200, body: { errcode: 0, errmsg: 'ok', jobid: job.view.jobId } };
  }

  /** Answers `export/get_result?jobid=…` (a GET, as WeCom documents; the server refuses a POST with 40063). */
  getResult(corp: CorpState, { query, fail }: HandlerRequest, baseUrl: string): Answer {
    const jobId = query.jobid;
    if (!jobId) return fail(40063, 'some parameters are empty: jobid');
    const job = corp.exportJobsById.get(jobId);
    if (!job) return fail(40088, 'jobid not found: no export job of this corp has that id');
    const body: Record<string, unknown> = { errcode: 0, errmsg: 'ok', status: job.view.status };
    if (job.view.status === 2) body.data_list = this.downloads.issue(job, baseUrl);
    return { status: 200, body };
  }

  /** What the export reads, as the directory is now. */
  private capture(corp: CorpState, type: SimulatedExportType, tagId?: number): ExportSource {
    const directory = corp.directory;
    if (type === 'export_department') return { kind: type, departments: directory.departmentList() };
    if (type === 'export_taguser') {
      const tag = corp.tags.get(tagId as number)!;
      const users = (tag.userids ?? []).flatMap((userid) => {
        const member = directory.member(userid);
        return member ? [{ userid: member.userid, name: member.name }] : [];
      });
      const parties = (tag.partyids ?? []).filter((id) => directory.hasDepartment(id));
      return { kind: type, tagname: tag.tagname, users, parties };
    }
    return { kind: type, members: directory.memberSource(), withheld: new Set(corp.options.withheldFields ?? []) };
  }
}

import type { SimulatedExportJob } from './simulator-export.types.js';
import { wireSimulator, type SimulatorParts } from './simulator-parts.js';
import type { ResolvedSimulatorOptions } from './simulator.options.js';
import { WeComSimulatorError } from './wecom-simulator.error.js';

/** Most members `generateMembers()` makes for one corp. */
const MAX_GENERATED = 10_000_000;

/**
 * The simulator's clock and its directory-reading side (`export/*`, `user/list_id`, `department/simplelist`,
 * `user/batchdelete`): inspection of export jobs, the switches and faults of exports and downloads, and
 * generated directories for benchmarks. `WeComSimulator` extends it with the import side.
 */
export abstract class WeComSimulatorExports {
  protected readonly parts: SimulatorParts;
  protected closed = false;
  private clockOffset = 0;

  protected constructor(protected readonly options: ResolvedSimulatorOptions) {
    this.parts = wireSimulator(
      options,
      () => this.now(),
      () => this.closed,
    );
  }

  /** Simulated time now (ms since epoch): the clock plus `advanceTime()`s. */
  now(): number {
    return this.options.clock() + this.clockOffset;
  }

  /** Moves simulated time forward, e.g. `advanceTime(3 * 24 * 3600_000)` to expire media ids or export URLs. */
  advanceTime(ms: number): void {
    this.clockOffset += ms;
  }

  /** The corp's export jobs, oldest first (copies; the `encoding_aeskey` is never exposed). */
  exportJobs(corpId?: string): SimulatedExportJob[] {
    return this.parts.corps.get(corpId).exportJobs.map((job) => this.parts.exportRunner.view(job));
  }

  /**
   * From now on exports use `size` records per file whatever `block_size` they asked for (so a test gets
   * several small files; WeCom itself refuses block sizes outside 10,000–1,000,000). `undefined` restores it.
   */
  forceExportBlockSize(size: number | undefined): void {
    if (size !== undefined && !(Number.isInteger(size) && size >= 1)) {
      throw new WeComSimulatorError('forceExportBlockSize: size must be an integer ≥ 1 (or undefined)');
    }
    this.parts.exports.forcedBlockSize = size;
  }

  /**
   * Wall-clock time from an export's submission until it is processed (status 0 for the first half, 1 for
   * the second and while the files are encrypted, then 2). `Infinity` keeps exports pending until
   * `completeJobs()`. Applies to exports submitted from now on.
   * @default the `jobDelayMs` option
   */
  setExportDelay(ms: number): void {
    if (!(ms >= 0)) throw new WeComSimulatorError('setExportDelay: ms must be a number ≥ 0 (or Infinity)');
    this.parts.exportRunner.settings.delayMs = ms;
  }

  /**
   * With `on`, the corp's detail reads — `export/*`, `user/get`, `department/list` — answer 48009 (the
   * 通讯录同步 secret called from a trusted IP added after 2022-08-15), while `user/list_id` and
   * `department/simplelist` keep working. Of one corp, or all.
   */
  restrictDetailReads(on = true, corpId?: string): void {
    for (const corp of this.parts.corps.select(corpId)) corp.detailReadsRestricted = on;
  }

  /** The next `times` export files served have one byte flipped (same size; the md5 no longer matches). */
  corruptNextExportFile(times = 1): void {
    this.parts.faults.downloadFault({ kind: 'corrupt' }, times);
  }

  /** The next `times` export files served are cut to half their size (a complete, shorter answer). */
  truncateNextExportFile(times = 1): void {
    this.parts.faults.downloadFault({ kind: 'truncate' }, times);
  }

  /**
   * The next `times` downloads have their connection destroyed after `afterBytes` body bytes (default half of
   * what was asked); the URL stays valid, so a `Range` request for the rest then succeeds.
   */
  resetNextDownload(times = 1, afterBytes?: number): void {
    this.parts.faults.downloadFault({ kind: 'reset', afterBytes }, times);
  }

  /** Every export file URL handed out so far expires now (HTTP 403); `get_result` then hands out fresh ones. */
  expireExportUrls(): void {
    this.parts.downloads.expireAll();
  }

  /** With `on`, file URLs answer HTTP 302 to the file's real location first (clients must follow it). */
  redirectExportDownloads(on = true): void {
    this.parts.downloads.redirect = on;
  }

  /** The next `times` export jobs submitted fail: `get_result` reports status 3 and no files. */
  failNextExport(times = 1, errcode = -1): void {
    this.parts.faults.failExports(errcode, times);
  }

  /**
   * Adds `count` realistic members to the corp (userid `u0000000`…, Chinese names, unique mobiles, 1–3 of the
   * generated departments, a position), deterministic by `seed`, computed on demand: exports and `user/list_id`
   * of a 1,000,000-member corp hold no member in memory. An import, `user/batchdelete` or `directory()`
   * materialises them once (1,000,000 members take about a second and a few hundred MB). Call it once per corp.
   */
  generateMembers(corpId: string | undefined, count: number, seed = 1): void {
    if (!Number.isInteger(count) || count < 0 || count > MAX_GENERATED) {
      throw new WeComSimulatorError(`generateMembers: count must be an integer from 0 to ${MAX_GENERATED}`);
    }
    if (!Number.isInteger(seed)) throw new WeComSimulatorError('generateMembers: seed must be an integer');
    this.parts.corps.get(corpId).directory.generate(count, seed);
  }
}

// Public types of the simulator's export family (export/*, get_result, the files) and directory reads.

/** The export job types, as `batch_job_result`'s `JobType` names them. */
export type SimulatedExportType = 'export_user' | 'export_simple_user' | 'export_department' | 'export_taguser';

/** One file of a finished export job: what `get_result`'s `data_list` describes (besides the URL). */
export interface SimulatedExportFile {
  /** 0-based position in `data_list`. */
  index: number;
  /** Records in the file (members, departments, or for taguser members + departments). */
  records: number;
  /** Bytes of the ciphertext. */
  size: number;
  /** Lowercase hex MD5 of the ciphertext. */
  md5: string;
}

/** An export job, as returned by `WeComSimulator.exportJobs()` (the `encoding_aeskey` is never exposed). */
export interface SimulatedExportJob {
  jobId: string;
  corpId: string;
  type: SimulatedExportType;
  /** `tagid` of an `export_taguser` job. */
  tagId?: number;
  /** 0 not started, 1 processing, 2 done, 3 failed — as `get_result` reports it. */
  status: 0 | 1 | 2 | 3;
  /** `block_size` as asked (undefined when the request had none). */
  requestedBlockSize?: number;
  /** The block size really used: `forceExportBlockSize()`, else the request's, else 1,000,000. */
  blockSize: number;
  /** Records exported, over every file. */
  total: number;
  /** The files once `status` is 2 (empty before). */
  files: SimulatedExportFile[];
  /** Job-level result sent in the completion event: 0, or the errcode of an injected failure. */
  errCode: number;
  /** What happened to the completion event sent to the corp's console callback. */
  callbackState: 'none' | 'waiting' | 'delivering' | 'delivered' | 'failed' | 'dropped';
  /** Simulated-clock times (ms since epoch). */
  submittedAt: number;
  finishedAt?: number;
}

/** The admin console's callback of the 通讯录同步 app (管理工具 → 通讯录同步 → 接收事件服务器). */
export interface SimulatedConsoleCallback {
  /** Where export completions are POSTed. */
  url: string;
  /** The console's Token (1–32 letters or digits): signs the deliveries. */
  token: string;
  /** The console's EncodingAESKey (43 letters or digits): encrypts them. */
  encodingAESKey: string;
}

/** A tag (标签) of the simulated corp: its members and departments, read by `export/taguser`. */
export interface SimulatedTag {
  /** 标签ID, a positive integer. */
  tagid: number;
  /** 标签名称 */
  tagname: string;
  /**
   * Members of the tag (userids of the corp).
   * @default []
   */
  userids?: string[];
  /**
   * Departments of the tag (ids of the corp).
   * @default []
   */
  partyids?: number[];
}

/** Fields WeCom may withhold from `export/user` since 2022-06-20 (UNCONFIRMED for the 通讯录同步 secret). */
export type WithholdableExportField = 'avatar' | 'gender' | 'mobile' | 'email' | 'biz_mail' | 'qr_code' | 'address';

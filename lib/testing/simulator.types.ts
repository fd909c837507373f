/** The WeCom endpoints the simulator serves (paths under `/cgi-bin/`); the keys of fault injection. */
export type SimulatorEndpoint =
  | 'gettoken'
  | 'media/upload'
  | 'batch/syncuser'
  | 'batch/replaceuser'
  | 'batch/replaceparty'
  | 'batch/getresult'
  | 'batch/invite'
  | 'export/simple_user'
  | 'export/user'
  | 'export/department'
  | 'export/taguser'
  | 'export/get_result'
  | 'user/list_id'
  | 'user/get'
  | 'user/batchdelete'
  | 'department/simplelist'
  | 'department/list'
  /** A download of an export file (outside `/cgi-bin/`, no access_token). */
  | 'export-file';

/** Every endpoint the simulator serves. */
export const SIMULATOR_ENDPOINTS: readonly SimulatorEndpoint[] = [
  'gettoken',
  'media/upload',
  'batch/syncuser',
  'batch/replaceuser',
  'batch/replaceparty',
  'batch/getresult',
  'batch/invite',
  'export/simple_user',
  'export/user',
  'export/department',
  'export/taguser',
  'export/get_result',
  'user/list_id',
  'user/get',
  'user/batchdelete',
  'department/simplelist',
  'department/list',
  'export-file',
];

/** A department of the simulated directory (the shape of the library's `DepartmentRow`). */
export interface SimulatedDepartment {
  /** 部门ID; the root is 1. */
  id: number;
  /** 部门名称, unique among siblings. */
  name: string;
  /** 父部门ID; 0 for the root. */
  parentId: number;
  /** 排序: a larger value sorts earlier. */
  order: number;
}

/** A member of the simulated directory (the shape of the library's `MemberRow`). */
export interface SimulatedMember {
  /** 帐号 (UserID). Unique ignoring case. */
  userid: string;
  /** 姓名 */
  name: string;
  /** 手机号, unique in the corp. */
  mobile?: string;
  /** 邮箱, unique in the corp. */
  email?: string;
  /** 所在部门: department ids. */
  departments: number[];
  /** 职位 */
  position?: string;
  /** 性别 as WeCom's API reports it: `'1'` male (男), `'2'` female (女). */
  gender?: '1' | '2';
  /** 是否部门内领导, aligned with `departments`. */
  isLeaderInDept?: boolean[];
  /** 排序 within each department, aligned with `departments`. */
  order?: number[];
  /** 别名 */
  alias?: string;
  /** 地址 */
  address?: string;
  /** 座机 */
  telephone?: string;
  /** 禁用: true when the account is disabled. */
  disabled?: boolean;
  /** Extended attributes (扩展属性) by name; only attributes declared in the corp's `extAttrs` are stored. */
  extAttrs?: Record<string, string>;
  /** `open_userid` the exports report; a stable stand-in derived from the userid when absent. */
  openUserid?: string;
}

/** The simulated directory of one corp, as returned by `WeComSimulator.directory()`. */
export interface SimulatedDirectory {
  /** Departments sorted by id. */
  departments: SimulatedDepartment[];
  /** Members sorted by userid. */
  users: SimulatedMember[];
}

/** A per-row result of a member import, exactly as `batch/getresult` returns it. */
export interface SimulatedUserResultRow {
  userid: string;
  errcode: number;
  errmsg: string;
}

/** A per-row result of a department import, exactly as `batch/getresult` returns it. */
export interface SimulatedPartyResultRow {
  /** Bitwise OR of 1 create, 2 rename, 4 move, 8 reorder. */
  action: number;
  partyid: number;
  errcode: number;
  errmsg: string;
}

/** What happened to a job's callback. */
export type SimulatedCallbackState =
  | 'none' // the job had no callback
  | 'waiting' // the job has not finished yet
  | 'delivering' // attempts are under way
  | 'delivered' // an attempt got HTTP 200
  | 'failed' // every attempt failed
  | 'dropped'; // swallowed by dropNextCallback()

/** An import job, as returned by `WeComSimulator.jobs()`. */
export interface SimulatedJob {
  jobId: string;
  corpId: string;
  type: 'sync_user' | 'replace_user' | 'replace_party';
  /** 1 started, 2 running, 3 done. */
  status: 1 | 2 | 3;
  percentage: number;
  /** Data rows in the file. */
  total: number;
  /** Job-level result (the callback's `ErrCode`): 0, or 45026 / 302003 / 302004 / 302006 / 302007 / injected. */
  errCode: number;
  errMsg: string;
  mediaId: string;
  /** `to_invite` as applied (true when absent); undefined for `replace_party`. */
  toInvite?: boolean;
  /** The `callback.url` the job was submitted with (token and key are not exposed). */
  callbackUrl?: string;
  callbackState: SimulatedCallbackState;
  /** Per-row results once `status` is 3 (empty before). */
  result: Array<SimulatedUserResultRow | SimulatedPartyResultRow>;
  /** False once five newer jobs of the corp exist: `getresult` then answers 40089. */
  resultAvailable: boolean;
  /** Simulated-clock times (ms since epoch). */
  submittedAt: number;
  finishedAt?: number;
}

/** An uploaded temporary media file, as returned by `WeComSimulator.uploads()`. */
export interface SimulatedUpload {
  mediaId: string;
  /** The `type` query parameter (`file` for imports). */
  type: string;
  filename?: string;
  contentType?: string;
  /** The raw bytes that were uploaded. */
  bytes: Buffer;
  /** Simulated-clock times (ms since epoch); the media id answers 40007 from `expiresAt` on. */
  createdAt: number;
  expiresAt: number;
}

/** One POST of a `batch_job_result` event to a job's `callback.url`. */
export interface CallbackDelivery {
  jobId: string;
  corpId: string;
  url: string;
  /** `job`: an import job's own `callback`; `console`: the corp's console callback (export completions). */
  channel: 'job' | 'console';
  /** 1 for the first attempt; retries and duplicates count on. */
  attempt: number;
  /** `retry`: the previous attempt got no 200 in time. `duplicate`: injected by duplicateNextCallback(). */
  kind: 'first' | 'retry' | 'duplicate';
  /** The query string sent: `msg_signature`, `timestamp`, `nonce`. */
  query: { msg_signature: string; timestamp: string; nonce: string };
  /** The XML envelope that was POSTed (`ToUserName`, `Encrypt`, `AgentID`). */
  body: string;
  /** The decrypted event XML (§8.1). */
  plaintext: string;
  /** The decrypted event's fields. */
  event: {
    ToUserName: string;
    FromUserName: string;
    CreateTime: number;
    MsgType: 'event';
    Event: 'batch_job_result';
    JobId: string;
    JobType: string;
    ErrCode: number;
    ErrMsg: string;
  };
  /** Wall-clock start (ms since epoch) and how long the attempt took. */
  startedAt: number;
  durationMs?: number;
  /** The HTTP status the app answered with, if it answered. */
  status?: number;
  /** `timeout`, `aborted` or the network error's code, when there was no answer. */
  error?: string;
  /** True when the app answered 200. */
  ok: boolean;
  /** Whether the attempt has finished. */
  done: boolean;
}

/** One HTTP request the simulator received, as returned by `WeComSimulator.requests()`. */
export interface SimulatorRequest {
  /** Simulated-clock time (ms since epoch). */
  at: number;
  method: string;
  /** The endpoint, or undefined for an unknown path. */
  endpoint?: SimulatorEndpoint;
  path: string;
  /** Query parameters; `access_token` and `corpsecret` appear as `'***'`. */
  query: Record<string, string>;
  /** The parsed JSON body of JSON endpoints; callback token and key appear as `'***'`. */
  body?: unknown;
  /** The corp the token or corpid resolved to. */
  corpId?: string;
  /** HTTP status answered (undefined when the connection was reset). */
  status?: number;
  /** errcode answered. */
  errcode?: number;
  /** The client's port of the connection: equal ports mean a reused keep-alive connection. */
  remotePort?: number;
  /** The injected fault (or `respondWith()` answer: `'answer'`) that shaped the answer, if any. */
  fault?: 'errcode' | 'http' | 'reset' | 'delay' | 'hang' | 'slowBody' | 'answer' | DownloadFaultKind;
}

/**
 * A request exactly as received, as returned by `WeComSimulator.rawRequests()`: nothing is redacted, so
 * the specs of an HTTP client can check what it put on the wire. Do not print these in shared logs.
 */
export interface RawSimulatorRequest extends SimulatorRequest {
  /** The request target as sent, e.g. `/cgi-bin/batch/getresult?access_token=…&jobid=…` (key order kept). */
  url: string;
  /** The request headers (Node's lower-cased names). */
  headers: Record<string, string | string[] | undefined>;
  /** The body bytes received; empty when the body was over the simulator's size cap. */
  bodyBytes: Buffer;
  /** The `access_token` query parameter as sent, unredacted. */
  accessToken?: string;
}

/** Faults of a served export file: a flipped byte, a short file, a connection cut mid-body. */
export type DownloadFaultKind = 'corrupt' | 'truncate' | 'resetBody';

/** A `batch/invite` call that succeeded. */
export interface SimulatedInvitation {
  at: number;
  users: string[];
  parties: number[];
  tags: number[];
}

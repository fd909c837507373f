import { randomBytes } from 'node:crypto';

/**
 * The WeCom error codes the simulator answers with, and their English errmsg stems (WeCom's errmsg are
 * English phrases followed by a hint; clients must never branch on them).
 */
export const ERRMSG: Readonly<Record<number, string>> = {
  [-1]: 'system busy',
  0: 'ok',
  40001: 'invalid secret',
  40003: 'invalid userid',
  40005: 'invalid media type',
  40006: 'invalid file size',
  40007: 'invalid media_id',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40057: 'invalid callback url/host/token',
  40058: 'invalid parameter',
  40063: 'some parameters are empty',
  40068: 'invalid tagid',
  40088: 'jobid not found',
  40089: 'job result expired',
  40092: 'import file contains invalid content',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41005: 'media data missing',
  41006: 'media_id missing',
  42001: 'access_token expired',
  44001: 'empty media data',
  45001: 'media size out of limit',
  45009: 'api freq out of limit',
  45026: 'trigger delete user protection',
  45033: 'api concurrent out of limit',
  48001: 'api forbidden',
  48009: 'api forbidden, 不再允许通讯录同步助手从新增IP读取通讯录详情',
  60001: 'invalid department name',
  60008: 'department name existed',
  60009: 'department name contains illegal characters',
  60103: 'invalid mobile',
  60104: 'mobile existed',
  60105: 'invalid email',
  60106: 'email existed',
  60110: 'user department count out of limit',
  60111: 'userid not found',
  60112: 'invalid name',
  60123: 'invalid department id',
  60124: 'invalid parent department id',
  60127: 'department missing',
  60129: 'mobile and email can not be both empty',
  60132: 'is_leader_in_dept count mismatch with department count',
  301005: 'can not delete the creator',
  301012: 'invalid position',
  301013: 'invalid telephone',
  302003: 'batch import: duplicate userid in file',
  302004: 'batch import: invalid organization structure',
  302005: 'batch import: system failure, please retry',
  302006: 'batch import: duplicate partyid in file',
  302007: 'batch import: two sub-departments with the same name under one department',
  302008: 'batch import: another import job is running',
};

let sequence = 0;

/**
 * An errmsg in WeCom's shape: `"<text>, hint: [<time>_<seq>_<hex>], from ip: <ip>, more info at
 * https://open.work.weixin.qq.com/devtool/query?e=<code>"`; `"ok"` for 0.
 */
export function errmsgFor(errcode: number, ip: string, detail?: string, nowMs = Date.now()): string {
  if (errcode === 0) return 'ok';
  const text = detail ?? ERRMSG[errcode] ?? 'error';
  sequence = (sequence + 1) % 1000;
  const hint = `${Math.floor(nowMs / 1000)}_${sequence}_${randomBytes(16).toString('hex')}`;
  return `${text}, hint: [${hint}], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`;
}

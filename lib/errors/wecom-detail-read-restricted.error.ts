import { WeComApiError } from './wecom-api.error.js';

/**
 * WeCom answered 48009: since 2022-08-15 the 通讯录同步 (Contacts Sync) secret may not read directory DETAILS
 * (names, mobiles…: the exports, user/get, user/list, department/list) from a trusted IP added after that date.
 * A `WeComApiError` (`kind: 'config'`, `errcode: 48009`), so existing handlers keep working; the message says
 * what still works and what the admin can change.
 */
export class WeComDetailReadRestrictedError extends WeComApiError {
  constructor(endpoint: string, errmsg: string, attempts = 1) {
    super({
      kind: 'config',
      endpoint,
      errcode: 48009,
      errmsg,
      retryable: false,
      attempts,
      message:
        `WeCom ${endpoint} failed: errcode 48009 — WeCom no longer lets the 通讯录同步 secret read directory details ` +
        'from a trusted IP added after 2022-08-15 (不再允许通讯录同步助手从新增IP读取通讯录详情). ' +
        'Still available from this IP: `listUserIds()` (user/list_id: userids and their departments) and ' +
        '`listDepartmentIds()` (department/simplelist: ids, parents, order) — the tree and memberships, without ' +
        'names or contact fields; imports (syncUsers, replaceUsers, replaceDepartments) are not affected. ' +
        'What the admin can do: send these calls from an egress IP that was a trusted IP (企业可信IP) of 通讯录同步 ' +
        'before 2022-08-15 (e.g. `apiBaseUrl` pointing at a proxy there), or read the details with a ' +
        "self-built app's secret whose visibility covers the directory, outside this module.",
    });
  }
}

import { randomBytes } from 'node:crypto';
import { DETAIL_READ_FORBIDDEN } from './export.handler.js';
import type { Answer, CorpState, FailAnswer, HandlerRequest } from './simulator-state.types.js';

/** `user/list_id` page size limits (wecom-export-api.md §6). */
const LIST_ID_LIMIT = { min: 1, max: 10_000 } as const;
/** Listings kept per corp for cursor paging; the oldest are forgotten (their cursor then answers 40058). */
const KEPT_LISTINGS = 16;
/** Most userids one `user/batchdelete` takes. */
const BATCH_DELETE_MAX = 200;

/**
 * The directory reads and the synchronous delete: `user/list_id` (cursor paging over one row per member ×
 * department; the listing is captured on its first page, so later pages are consistent), `department/simplelist`,
 * `department/list`, `user/get`, and `user/batchdelete` (all or nothing: 60111 for an unknown userid). With
 * `restrictDetailReads()`, the detail reads answer 48009 while `user/list_id` and `department/simplelist` work.
 */
export class DirectoryReadHandler {
  constructor(private readonly now: () => number) {}

  /** Answers `POST user/list_id` `{ cursor?, limit? }`. `next_cursor` is `""` on the last page. */
  listIds(corp: CorpState, json: Record<string, unknown>, fail: FailAnswer): Answer {
    const limit = json.limit ?? LIST_ID_LIMIT.max;
    if (
      typeof limit !== 'number' ||
      !Number.isInteger(limit) ||
      limit < LIST_ID_LIMIT.min ||
      limit > LIST_ID_LIMIT.max
    ) {
      return fail(40058, 'invalid parameter: limit must be an integer from 1 to 10000');
    }
    let listingId: string;
    let index = 0;
    let skip = 0;
    if (json.cursor === undefined || json.cursor === '') {
      listingId = randomBytes(12).toString('base64url');
      corp.listings.set(listingId, { members: corp.directory.memberSource(), createdAt: this.now() });
      while (corp.listings.size > KEPT_LISTINGS) corp.listings.delete(corp.listings.keys().next().value as string);
    } else {
      const match = typeof json.cursor === 'string' ? /^([A-Za-z0-9_-]{16})\.(\d+)\.(\d+)$/.exec(json.cursor) : null;
      if (!match || !corp.listings.has(match[1])) return fail(40058, 'invalid parameter: invalid cursor');
      listingId = match[1];
      index = Number(match[2]);
      skip = Number(match[3]);
    }
    const { members } = corp.listings.get(listingId)!;
    // The cursor is (member, department of that member): a page holds exactly `limit` rows but the last.
    const rows: Array<{ userid: string; department: number }> = [];
    for (; index < members.size && rows.length < limit; index++, skip = 0) {
      const member = members.at(index);
      const departments = member.departments;
      const take = Math.min(departments.length - skip, limit - rows.length);
      for (let k = skip; k < skip + take; k++) rows.push({ userid: member.userid, department: departments[k] });
      if (skip + take < departments.length) {
        skip += take;
        break;
      }
    }
    const next = index < members.size ? `${listingId}.${index}.${skip}` : '';
    if (!next) corp.listings.delete(listingId);
    return { status: 200, body: { errcode: 0, errmsg: 'ok', next_cursor: next, dept_user: rows } };
  }

  /** Answers `GET department/simplelist?id=` (omitted: the whole tree) with `department_id`. */
  simpleList(corp: CorpState, { query, fail }: HandlerRequest): Answer {
    const departments = this.subtree(corp, query.id, fail);
    if (!Array.isArray(departments)) return departments;
    const department_id = departments.map((d) => ({ id: d.id, parentid: d.parentId, order: d.order }));
    return { status: 200, body: { errcode: 0, errmsg: 'ok', department_id } };
  }

  /** Answers `GET department/list?id=` — a detail read (48009 when restricted). */
  departmentList(corp: CorpState, { query, fail }: HandlerRequest): Answer {
    if (corp.detailReadsRestricted) return fail(48009, DETAIL_READ_FORBIDDEN);
    const departments = this.subtree(corp, query.id, fail);
    if (!Array.isArray(departments)) return departments;
    const department = departments.map((d) => ({
      id: d.id,
      name: d.name,
      name_en: '',
      department_leader: [],
      parentid: d.parentId,
      order: d.order,
    }));
    return { status: 200, body: { errcode: 0, errmsg: 'ok', department } };
  }

  /** Answers `GET user/get?userid=` — a detail read (48009 when restricted; 60111 for an unknown userid). */
  getUser(corp: CorpState, { query, fail }: HandlerRequest): Answer {
    if (corp.detailReadsRestricted) return fail(48009, DETAIL_READ_FORBIDDEN);
    if (!query.userid) return fail(40063, 'some parameters are empty: userid');
    const m = corp.directory.member(query.userid);
    if (!m) return fail(60111, `userid not found: ${query.userid}`);
    const body: Record<string, unknown> = {
      errcode: 0,
      errmsg: 'ok',
      userid: m.userid,
      name: m.name,
      department: m.departments,
      order: m.order ?? m.departments.map(() => 0),
      position: m.position ?? '',
      is_leader_in_dept: m.isLeaderInDept?.map(Number) ?? m.departments.map(() => 0),
      telephone: m.telephone ?? '',
      alias: m.alias ?? '',
      status: m.disabled ? 2 : 1,
      main_department: m.departments[0],
    };
    return { status: 200, body };
  }

  /** Answers `POST user/batchdelete` `{ useridlist }`: all deleted, or none (60111 names the first unknown). */
  batchDelete(corp: CorpState, json: Record<string, unknown>, fail: FailAnswer): Answer {
    const list = json.useridlist;
    if (list === undefined || (Array.isArray(list) && list.length === 0)) {
      return fail(40063, 'some parameters are empty: useridlist');
    }
    if (!Array.isArray(list) || list.some((u) => typeof u !== 'string' || u === '')) {
      return fail(40058, 'Warning: wrong json format. useridlist must be an array of userids');
    }
    if (list.length > BATCH_DELETE_MAX) return fail(40058, `invalid parameter: at most ${BATCH_DELETE_MAX} userids`);
    const { errcode, userid } = corp.directory.deleteMembers([...new Set(list as string[])]);
    if (errcode) return fail(errcode, errcode === 60111 ? `userid not found: ${userid}` : undefined);
    return { status: 200, body: { errcode: 0, errmsg: 'deleted' } };
  }

  private subtree(
    corp: CorpState,
    id: string | undefined,
    fail: FailAnswer,
  ): ReturnType<CorpState['directory']['departmentList']> | Answer {
    const all = corp.directory.departmentList();
    if (id === undefined || id === '') return all;
    if (!/^\d{1,10}$/.test(id) || !corp.directory.hasDepartment(Number(id))) {
      return fail(60123, `invalid department id: ${id}`);
    }
    const wanted = new Set([Number(id)]);
    // Sorted by id, a child may come before its parent: repeat until no department joins.
    for (let grew = true; grew;) {
      grew = false;
      for (const d of all) {
        if (!wanted.has(d.id) && wanted.has(d.parentId)) {
          wanted.add(d.id);
          grew = true;
        }
      }
    }
    return all.filter((d) => wanted.has(d.id));
  }
}

import type { Answer, CorpState, FailAnswer } from './simulator-state.types.js';

/**
 * `batch/invite`: invites the valid members, departments and tags and reports the invalid ones, as WeCom
 * does (the invalid lists are only present when something was invalid).
 */
export class InviteHandler {
  constructor(private readonly now: () => number) {}

  /** Answers a parsed `batch/invite` body. */
  invite(corp: CorpState, json: Record<string, unknown>, fail: FailAnswer): Answer {
    const list = (key: string): unknown[] | false => {
      const value = json[key];
      if (value === undefined || value === null) return [];
      return Array.isArray(value) ? value : false;
    };
    const users = list('user');
    const parties = list('party');
    const tags = list('tag');
    if (users === false || parties === false || tags === false) {
      return fail(40058, 'Warning: wrong json format. user, party and tag must be arrays');
    }
    if (users.length === 0 && parties.length === 0 && tags.length === 0) {
      return fail(40063, 'some parameters are empty: user, party and tag cannot all be empty');
    }
    if (users.length > 1000) return fail(40058, 'invalid parameter: at most 1000 users');
    if (parties.length > 100) return fail(40058, 'invalid parameter: at most 100 parties');
    if (tags.length > 100) return fail(40058, 'invalid parameter: at most 100 tags');

    const invalidUser = users.filter((u) => typeof u !== 'string' || !corp.directory.hasMember(u));
    const invalidParty = parties.filter(
      (p) => !Number.isInteger(Number(p)) || !corp.directory.hasDepartment(Number(p)),
    );
    const invalidTag = tags.filter((t) => !Number.isInteger(Number(t)) || !corp.tagIds.has(Number(t)));
    corp.invitations.push({
      at: this.now(),
      users: users.filter((u) => !invalidUser.includes(u)).map(String),
      parties: parties.filter((p) => !invalidParty.includes(p)).map(Number),
      tags: tags.filter((t) => !invalidTag.includes(t)).map(Number),
    });
    const body: Record<string, unknown> = { errcode: 0, errmsg: 'ok' };
    if (invalidUser.length) body.invaliduser = invalidUser;
    if (invalidParty.length) body.invalidparty = invalidParty;
    if (invalidTag.length) body.invalidtag = invalidTag;
    return { status: 200, body };
  }
}

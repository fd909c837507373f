import { randomBytes, randomInt } from 'node:crypto';
import { WeComSimulator } from 'nestjs-wecom-batch/testing';
import type { DirectoryData } from '../directory-data.js';

/** The embedded WeCom and the credentials of its corp (fresh random secrets every run). */
export interface SampleSimulator {
  simulator: WeComSimulator;
  corpId: string;
  corpSecret: string;
  callbackToken: string;
  encodingAESKey: string;
  /**
   * The admin console's callback of 通讯录同步 (where WeCom sends export completions): its Token and
   * EncodingAESKey, which the app accepts through `callback.acceptedKeys`. Absent without `consoleCallbackUrl`.
   */
  console?: { token: string; encodingAESKey: string };
  /** The old account whose mobile clashes with a member of the HR file (one row fails with 60104). */
  staleAccount: { userid: string; clashesWith: string };
}

export const SAMPLE_CORP_ID = 'ww5a3b1e0c2d4f6a7b';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const alnum = (length: number): string => Array.from({ length }, () => ALNUM[randomInt(ALNUM.length)]).join('');

/**
 * Starts a simulated corp that already has some history, so the sync has something to do besides creating:
 * - departments with old names or in old places (renamed and moved by replaceDepartments), an empty one that
 *   the import deletes, and one that keeps a member and therefore stays;
 * - the creator and ten members of the file, with outdated positions (updated by syncUsers);
 * - an old account of one person under another userid, holding the mobile the HR file gives that person: WeCom
 *   refuses that row (60104, mobile already used), as it would in a real corp.
 */
export async function startSampleSimulator(
  directory: DirectoryData,
  options: { jobDelayMs?: number; consoleCallbackUrl?: string } = {},
): Promise<SampleSimulator> {
  const consoleKeys = options.consoleCallbackUrl ? { token: alnum(32), encodingAESKey: alnum(43) } : undefined;
  const [creator, ...others] = directory.members;
  const clash = others[120];
  const staleAccount = { userid: `${clash.userid}_old`, clashesWith: clash.userid };
  const corpSecret = randomBytes(32).toString('base64url');
  const simulator = await WeComSimulator.start({
    corps: [
      {
        corpId: SAMPLE_CORP_ID,
        corpSecret,
        creator: creator.userid,
        extAttrs: ['工号'],
        ...(consoleKeys ? { console: { url: options.consoleCallbackUrl as string, ...consoleKeys } } : {}),
        departments: [
          { id: 1, name: '星河云科技', parentId: 0, order: 0 },
          { id: 3, name: '研发部', parentId: 1, order: 0 },
          { id: 7, name: '销售部', parentId: 1, order: 0 },
          { id: 71, name: '华东区', parentId: 7, order: 0 },
          { id: 73, name: '华北大区', parentId: 71, order: 0 },
          { id: 98, name: '离职人员', parentId: 1, order: 0 },
          { id: 99, name: '临时项目组', parentId: 1, order: 0 },
        ],
        users: [
          { userid: creator.userid, name: creator.name, mobile: creator.mobile, departments: [1], position: '总经理' },
          ...others.slice(0, 10).map((m) => ({ userid: m.userid, name: m.name, email: m.email, departments: [1] })),
          { userid: staleAccount.userid, name: clash.name, mobile: clash.mobile, departments: [98], position: '离职' },
        ],
      },
    ],
    jobDelayMs: options.jobDelayMs ?? 2_000,
  });
  return {
    simulator,
    corpId: SAMPLE_CORP_ID,
    corpSecret,
    callbackToken: alnum(32),
    encodingAESKey: alnum(43),
    ...(consoleKeys ? { console: consoleKeys } : {}),
    staleAccount,
  };
}

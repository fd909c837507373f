import { setTimeout as sleep } from 'node:timers/promises';
import { buildMemberCsv } from 'nestjs-wecom-batch';
import { WeComSimulator, type WeComSimulatorOptions } from 'nestjs-wecom-batch/testing';
import { CORP } from './instance.js';

// Test-side helpers of the cluster suites: the simulated WeCom, member rows, and waiting for conditions.

/** Starts a simulator hosting the cluster corp (the callbacks' keys are the instances'). */
export function startClusterSimulator(options: Omit<WeComSimulatorOptions, 'corps'> = {}): Promise<WeComSimulator> {
  return WeComSimulator.start({
    corps: [
      {
        corpId: CORP.corpId,
        corpSecret: CORP.corpSecret,
        creator: 'boss',
        departments: [
          { id: 1, name: '集群测试', parentId: 0, order: 0 },
          { id: 2, name: '研发部', parentId: 1, order: 0 },
        ],
        users: [{ userid: 'boss', name: '老板', mobile: '13800000000', departments: [1] }],
      },
    ],
    callbackTimeoutMs: 4_000,
    callbackRetryDelayMs: 50,
    ...options,
  });
}

/** A member row as the instances' `syncUsers` takes it. */
export interface ClusterMember {
  userid: string;
  name: string;
  mobile: string;
  departments: number[];
}

/** `count` valid members with unique ids and mobiles (distinct per `prefix` digit). */
export function members(count: number, prefix: string, mobileBlock: number): ClusterMember[] {
  return Array.from({ length: count }, (_, i) => ({
    userid: `${prefix}${String(i).padStart(4, '0')}`,
    name: `成员${prefix}${i}`,
    mobile: `13${mobileBlock}${String(i).padStart(8, '0')}`,
    departments: [2],
  }));
}

/**
 * Submits a sync job straight to the simulator over HTTP, as another system of the corp would: its own
 * gettoken, upload and `batch/syncuser` — the instances' token cache stays cold. Resolves the job id.
 */
export async function submitOutsideTheCluster(sim: WeComSimulator, rows: ClusterMember[]): Promise<string> {
  const api = (path: string): string => `${sim.baseUrl}/cgi-bin/${path}`;
  const token = (await getJson(
    api(`gettoken?corpid=${CORP.corpId}&corpsecret=${encodeURIComponent(CORP.corpSecret)}`),
  )) as { access_token: string };
  const { csv } = await buildMemberCsv(rows);
  const form = new FormData();
  form.append('media', new Blob([new Uint8Array(csv)], { type: 'text/csv' }), 'members.csv');
  const upload = (await getJson(api(`media/upload?access_token=${token.access_token}&type=file`), {
    method: 'POST',
    body: form,
  })) as { media_id: string };
  const job = (await getJson(api(`batch/syncuser?access_token=${token.access_token}`), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ media_id: upload.media_id, to_invite: false }),
  })) as { jobid: string };
  return job.jobid;
}

async function getJson(url: string, init?: RequestInit): Promise<Record<string, unknown>> {
  const body = (await (await fetch(url, init)).json()) as Record<string, unknown>;
  if (body.errcode !== 0) throw new Error(`simulator answered ${JSON.stringify(body)}`);
  return body;
}

/** Polls `condition` every 20 ms until it is truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, condition: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

import { createDecipheriv, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WeComSimulator, type SimulatedMember, type WeComSimulatorOptions } from '../../lib/testing/index.js';

// Plain-HTTP helpers: the simulator's suite talks to it like any WeCom client would, never through
// the library's BatchService.

export const CORP_ID = 'wwsimcorp0000001';
export const SECRET = 'contacts-sync-secret';
/** Official vector A keys (wecom-api.md §9.7). */
export const CALLBACK_TOKEN = 'QDG6eK';
export const CALLBACK_AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Starts a simulator with one corp (root department only unless given) and fast jobs. */
export function startSimulator(
  overrides: Partial<WeComSimulatorOptions> = {},
  corp: Partial<WeComSimulatorOptions['corps'][number]> = {},
): Promise<WeComSimulator> {
  return WeComSimulator.start({
    jobDelayMs: 20,
    callbackTimeoutMs: 1000,
    callbackRetryDelayMs: 5,
    ...overrides,
    corps: overrides.corps ?? [{ corpId: CORP_ID, corpSecret: SECRET, ...corp }],
  });
}

export async function getJson(sim: WeComSimulator, path: string): Promise<Json> {
  const res = await fetch(`${sim.baseUrl}${path}`);
  return (await res.json()) as Json;
}

export async function postJson(sim: WeComSimulator, path: string, body: unknown): Promise<Json> {
  const res = await fetch(`${sim.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return (await res.json()) as Json;
}

export async function getToken(sim: WeComSimulator, corpId = CORP_ID, secret = SECRET): Promise<string> {
  const answer = await getJson(sim, `/cgi-bin/gettoken?corpid=${corpId}&corpsecret=${secret}`);
  if (answer.errcode !== 0) throw new Error(`gettoken failed: ${JSON.stringify(answer)}`);
  return answer.access_token as string;
}

export async function uploadRaw(
  sim: WeComSimulator,
  token: string,
  content: Buffer | string,
  filename = 'import.csv',
  type = 'file',
): Promise<Json> {
  const form = new FormData();
  form.append('media', new Blob([Buffer.from(content)], { type: 'text/csv' }), filename);
  const res = await fetch(`${sim.baseUrl}/cgi-bin/media/upload?access_token=${token}&type=${type}`, {
    method: 'POST',
    body: form,
  });
  return (await res.json()) as Json;
}

export async function upload(sim: WeComSimulator, token: string, csv: string | Buffer): Promise<string> {
  const answer = await uploadRaw(sim, token, csv);
  if (answer.errcode !== 0) throw new Error(`upload failed: ${JSON.stringify(answer)}`);
  return answer.media_id as string;
}

export type ImportApi = 'syncuser' | 'replaceuser' | 'replaceparty';

/** Uploads `csv` and submits it; returns the submission answer. */
export async function submit(
  sim: WeComSimulator,
  token: string,
  api: ImportApi,
  csv: string | Buffer,
  extra: Json = {},
): Promise<Json> {
  const mediaId = await upload(sim, token, csv);
  return postJson(sim, `/cgi-bin/batch/${api}?access_token=${token}`, { media_id: mediaId, ...extra });
}

export async function getResult(sim: WeComSimulator, token: string, jobId: string): Promise<Json> {
  return getJson(sim, `/cgi-bin/batch/getresult?access_token=${token}&jobid=${encodeURIComponent(jobId)}`);
}

/** Submits and waits for the job to finish; returns the getresult answer. */
export async function runImport(
  sim: WeComSimulator,
  token: string,
  api: ImportApi,
  csv: string | Buffer,
  extra: Json = {},
): Promise<Json> {
  const answer = await submit(sim, token, api, csv, extra);
  if (answer.errcode !== 0) throw new Error(`${api} failed: ${JSON.stringify(answer)}`);
  await sim.settled();
  return getResult(sim, token, answer.jobid as string);
}

export const MEMBER_HEADER = '姓名,帐号,手机号,邮箱,所在部门';

/** A small department tree: the root, 研发 (2) and 销售 (3). */
export const DEPARTMENTS = [
  { id: 1, name: '总部', parentId: 0, order: 0 },
  { id: 2, name: '研发', parentId: 1, order: 10 },
  { id: 3, name: '销售', parentId: 1, order: 5 },
];

/** Member `n` of 研发 with a unique mobile. */
export function member(userid: string, n: number, extra: Partial<SimulatedMember> = {}): SimulatedMember {
  return { userid, name: `成员${n}`, mobile: `1380000${String(n).padStart(4, '0')}`, departments: [2], ...extra };
}

/** One request received by a {@link CallbackReceiver}. */
export interface ReceivedCallback {
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** What the receiver does with the n-th request: answer a status, or never answer. */
export type ReceiverBehaviour = number | 'hang';

/** A tiny app standing in for the user's callback endpoint. */
export interface CallbackReceiver {
  url: string;
  received: ReceivedCallback[];
  close(): Promise<void>;
}

/**
 * Starts an HTTP server that records every request and answers them following `behaviours` in order
 * (the last one repeats): a status code, or `'hang'` to never answer.
 */
export async function startReceiver(behaviours: ReceiverBehaviour[] = [200]): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      received.push({
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      const behaviour = behaviours[Math.min(received.length - 1, behaviours.length - 1)];
      if (behaviour === 'hang') return;
      res.writeHead(behaviour).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wecom/batch/callback`,
    received,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

export function callbackFor(receiver: CallbackReceiver): Json {
  return { callback: { url: receiver.url, token: CALLBACK_TOKEN, encodingaeskey: CALLBACK_AES_KEY } };
}

/** The documented sample key of wecom-export-api.md §4. */
export const EXPORT_KEY = 'IJUiXNpvGbODwKEBSEsAeOAPAhkqHqNCF6g19t9wfg2';

/**
 * Decrypts an export file the way a careful client must (written here apart from the simulator's encryption):
 * AES-256-CBC without auto-padding, then a 32-byte PKCS#7 check of every pad byte. Returns the plaintext and pad.
 */
export function decryptExportFile(bytes: Buffer, encodingAesKey = EXPORT_KEY): { text: string; pad: number } {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(bytes), decipher.final()]);
  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > 32 || !plain.subarray(plain.length - pad).every((b) => b === pad)) {
    throw new Error(`bad padding ${pad}`);
  }
  return { text: plain.subarray(0, plain.length - pad).toString('utf8'), pad };
}

/** Submits an export, waits until it is done and returns the get_result answer. */
export async function runExport(sim: WeComSimulator, token: string, kind: string, body: Json = {}): Promise<Json> {
  const submitted = await postJson(sim, `/cgi-bin/export/${kind}?access_token=${token}`, {
    encoding_aeskey: EXPORT_KEY,
    ...body,
  });
  if (submitted.errcode !== 0) throw new Error(`export/${kind} failed: ${JSON.stringify(submitted)}`);
  await sim.settled();
  const result = await getJson(sim, `/cgi-bin/export/get_result?access_token=${token}&jobid=${submitted.jobid}`);
  return { ...result, jobid: submitted.jobid };
}

/** Downloads a file URL; returns status, headers and the body bytes. */
export async function download(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Downloads, checks size and md5 of the ciphertext, decrypts and parses every file of a get_result answer. */
export async function readFiles(result: Json, key = EXPORT_KEY): Promise<Json[]> {
  const documents: Json[] = [];
  for (const file of result.data_list as Array<{ url: string; size: number; md5: string }>) {
    const { status, bytes } = await download(file.url);
    if (status !== 200) throw new Error(`download answered ${status}`);
    if (bytes.length !== file.size) throw new Error(`size ${bytes.length} ≠ ${file.size}`);
    if (createHash('md5').update(bytes).digest('hex') !== file.md5) throw new Error('md5 mismatch');
    documents.push(JSON.parse(decryptExportFile(bytes, key).text) as Json);
  }
  return documents;
}

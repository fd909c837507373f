import { describe, expect, it } from '@jest/globals';
import type { WeComClient } from '../../client/wecom-client.service.js';
import { WeComApiError } from '../../errors/wecom-api.error.js';
import { WeComDetailReadRestrictedError } from '../../errors/wecom-detail-read-restricted.error.js';
import { ExportApi } from './export-api.service.js';

const KEY = 'IJUiXNpvGbODwKEBSEsAeOAPAhkqHqNCF6g19t9wfg2';

/** A client whose every call answers `answer` (or rejects with it), recording what was called. */
function api(answer: unknown) {
  const calls: Array<{ method: string; endpoint: string; arg: unknown; idempotent?: boolean }> = [];
  const reply = () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer));
  const client = {
    get: (endpoint: string, query: unknown) => (calls.push({ method: 'GET', endpoint, arg: query }), reply()),
    post: (endpoint: string, body: unknown, options?: { idempotent?: boolean }) => (
      calls.push({ method: 'POST', endpoint, arg: body, idempotent: options?.idempotent }),
      reply()
    ),
  } as unknown as WeComClient;
  return { api: new ExportApi(client), calls };
}

const apiError = (errcode: number, errmsg: string) =>
  new WeComApiError({ kind: 'api', endpoint: 'export/user', errcode, errmsg, retryable: false });

describe('ExportApi', () => {
  it('submits once (not idempotent) and reads get_result with a GET and the jobid in the query', async () => {
    const submit = api({ errcode: 0, jobid: 'job-1' });
    await expect(submit.api.submit('export_user', { encoding_aeskey: KEY, block_size: 50_000 })).resolves.toBe('job-1');
    expect(submit.calls).toEqual([
      { method: 'POST', endpoint: 'export/user', arg: { encoding_aeskey: KEY, block_size: 50_000 }, idempotent: false },
    ]);
    const result = api({ status: 2, data_list: [{ url: 'https://f.example/x', size: 192, md5: 'A'.repeat(32) }] });
    await expect(result.api.getResult('job-1')).resolves.toEqual({
      jobId: 'job-1',
      status: 2,
      files: [{ url: 'https://f.example/x', size: 192, md5: 'a'.repeat(32) }],
    });
    expect(result.calls).toEqual([{ method: 'GET', endpoint: 'export/get_result', arg: { jobid: 'job-1' } }]);
  });

  it('refuses get_result answers that cannot be read, without quoting a URL', async () => {
    for (const answer of [
      { status: 'done' },
      { status: 2 },
      { status: 2, data_list: [{ url: 'ftp://x', size: 1, md5: 'a'.repeat(32) }] },
      { status: 2, data_list: [{ url: 'https://secret.example/abc', size: -1, md5: 'a'.repeat(32) }] },
      { status: 2, data_list: [{ url: 'https://secret.example/abc', size: 1, md5: 'nope' }] },
    ]) {
      const error = await api(answer)
        .api.getResult('job')
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'response', endpoint: 'export/get_result' });
      expect((error as Error).message).not.toContain('secret.example');
    }
    // Before status 2 (and for the tracker's status-only polls) the files are not looked at.
    await expect(api({ status: 1 }).api.getResult('job')).resolves.toEqual({ jobId: 'job', status: 1, files: [] });
    await expect(api({ status: 2 }).api.getResult('job', undefined, true)).resolves.toMatchObject({ status: 2 });
  });

  it('turns 48009 into WeComDetailReadRestrictedError, still a WeComApiError', async () => {
    const error = await api(apiError(48009, 'api forbidden, hint: [x], from ip: 1.2.3.4'))
      .api.submit('export_user', { encoding_aeskey: KEY, block_size: 50_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeComDetailReadRestrictedError);
    expect(error).toBeInstanceOf(WeComApiError);
    expect(error).toMatchObject({ errcode: 48009, kind: 'config', endpoint: 'export/user' });
  });

  it('scrubs the export key should WeCom quote it in a refusal', async () => {
    const error = (await api(apiError(40058, `invalid encoding_aeskey ${KEY}`))
      .api.submit('export_user', { encoding_aeskey: KEY, block_size: 50_000 })
      .catch((e: unknown) => e)) as WeComApiError;
    expect(error).toMatchObject({ errcode: 40058 });
    expect(`${error.message} ${error.errmsg}`).not.toContain(KEY);
  });

  it('pages user/list_id by cursor and reads department/simplelist’s department_id', async () => {
    const page = api({
      next_cursor: 'c2',
      dept_user: [
        { userid: 'a', department: 1 },
        { userid: 'a', department: 2 },
      ],
    });
    await expect(page.api.listUserIdsPage(undefined, 10_000)).resolves.toEqual({
      entries: [
        { userid: 'a', department: 1 },
        { userid: 'a', department: 2 },
      ],
      nextCursor: 'c2',
    });
    await expect(api({ next_cursor: '', dept_user: [] }).api.listUserIdsPage('c2', 10)).resolves.toEqual({
      entries: [],
    });
    const tree = api({
      department_id: [
        { id: 1, parentid: 0, order: 100 },
        { id: 2, parentid: 1, order: 5 },
      ],
    });
    await expect(tree.api.listDepartmentIds()).resolves.toEqual([
      { id: 1, parentId: 0, order: 100 },
      { id: 2, parentId: 1, order: 5 },
    ]);
  });
});

import { describe, expect, it } from '@jest/globals';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { WeComBatchError } from '../errors/wecom-batch.error.js';
import { WeComBatchModule } from '../wecom-batch.module.js';
import {
  apiFailure as failure,
  clientOptions,
  CORP_ID,
  CORP_SECRET,
  createClient,
  simulatorPerTest,
} from './client.spec-helper.js';
import { WeComClient } from './wecom-client.service.js';

describe('WeComClient', () => {
  const t = simulatorPerTest();
  const { received, count, query } = t;

  it("is provided by WeComBatchModule, on the module's own HTTP instance", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        WeComBatchModule.forRoot({ corpId: CORP_ID, corpSecret: CORP_SECRET, apiBaseUrl: t.sim.baseUrl }),
      ],
    }).compile();
    try {
      const client = moduleRef.get(WeComClient, { strict: false });
      await expect(client.get('batch/getresult', { jobid: 'j' })).resolves.toEqual({ errcode: 0, errmsg: 'ok' });
      expect(count('gettoken')).toBe(1);
    } finally {
      await moduleRef.close();
    }
  });

  describe('success detection', () => {
    it('resolves the parsed JSON when errcode is 0, with the token in the query string first', async () => {
      t.sim.respondWith('batch/getresult', () => ({ body: { errcode: 0, errmsg: 'ok', status: 3, total: 2 } }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));

      const answer = await client.get<{ status: number; total: number }>('batch/getresult', {
        jobid: 'job 1/é',
        skipped: undefined,
        n: 7,
      });

      expect(answer).toEqual({ errcode: 0, errmsg: 'ok', status: 3, total: 2 });
      const [request] = received('batch/getresult');
      expect(request.method).toBe('GET');
      expect([...query(request).keys()]).toEqual(['access_token', 'jobid', 'n']);
      expect(query(request).get('access_token')).toBe(t.sim.issuedTokens(CORP_ID)[0]);
      expect(query(request).get('jobid')).toBe('job 1/é');
    });

    it('treats an answer without errcode as a success (media/upload style)', async () => {
      t.sim.respondWith('user/get', () => ({ body: { userid: 'zhangsan', name: '张三' } }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      await expect(client.get('user/get', { userid: 'zhangsan' })).resolves.toEqual({
        userid: 'zhangsan',
        name: '张三',
      });
    });

    it('POSTs JSON with the token only in the query string, never in the body', async () => {
      t.sim.respondWith('batch/invite', () => ({ body: { errcode: 0, errmsg: 'ok', invaliduser: ['x'] } }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));

      const answer = await client.post<{ invaliduser: string[] }>('batch/invite', { user: ['x', '李四'] });

      expect(answer.invaliduser).toEqual(['x']);
      const [request] = received('batch/invite');
      expect(request.method).toBe('POST');
      expect(request.headers['content-type']).toMatch(/^application\/json/);
      // UTF-8, not \uXXXX escapes (WeCom answers 40033 to escaped characters).
      expect(request.bodyBytes.toString('utf8')).toBe('{"user":["x","李四"]}');
      expect(query(request).get('access_token')).toBe(t.sim.issuedTokens(CORP_ID)[0]);
    });

    it('accepts errcode sent as a numeric string', async () => {
      t.sim.respondWith('batch/getresult', () => ({ body: { errcode: '40088', errmsg: 'jobid not found' } }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      const error = await failure(client.get('batch/getresult', { jobid: 'x' }));
      expect(error.errcode).toBe(40088);
    });
  });

  describe('errors', () => {
    it('turns a business errcode into a WeComApiError with every field, without retrying', async () => {
      const errmsg =
        'invalid jobid, hint: [1576065934_28_e0fae], from ip: 9.30.0.138, more info at https://open.work.weixin.qq.com/devtool/query?e=40088';
      t.sim.respondWith('batch/getresult', () => ({ body: { errcode: 40088, errmsg } }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));

      const error = await failure(client.get('batch/getresult', { jobid: 'nope' }));

      expect(error).toBeInstanceOf(WeComBatchError);
      expect(error).toMatchObject({
        name: 'WeComApiError',
        kind: 'api',
        errcode: 40088,
        errmsg,
        endpoint: 'batch/getresult',
        retryable: false,
        maybeDelivered: false,
        attempts: 1,
      });
      expect(error.message).toContain('batch/getresult');
      expect(error.message).toContain('40088');
      expect(error.message).toContain('hint: [1576065934_28_e0fae]');
      expect(count('batch/getresult')).toBe(1);
    });

    it('returns 302008 (another import running) as a plain non-retryable error: the submission waits it out', async () => {
      t.sim.respondWith('batch/syncuser', () => ({ body: { errcode: 302008, errmsg: 'batch job is running' } }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      const error = await failure(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false }));
      expect(error).toMatchObject({ kind: 'api', errcode: 302008, retryable: false, maybeDelivered: false });
      expect(count('batch/syncuser')).toBe(1);
    });

    it('40001 from gettoken: a config error after exactly one gettoken, and no gettoken storm afterwards', async () => {
      const { client } = createClient(clientOptions(t.sim.baseUrl, { corpSecret: 'a-wrong-secret-value' }));

      const first = await failure(client.get('batch/getresult', { jobid: 'j' }));
      const again = await failure(client.get('batch/getresult', { jobid: 'j' }));

      expect(first).toMatchObject({ kind: 'config', errcode: 40001, endpoint: 'gettoken', retryable: false });
      expect(first.message).toContain('corpSecret');
      expect(first.message).toContain('通讯录同步');
      expect(first.message).toContain(CORP_ID);
      expect(again.errcode).toBe(40001);
      expect(count('gettoken')).toBe(1);
      expect(count('batch/getresult')).toBe(0);
    });

    it('48002 says which secret and permission to configure', async () => {
      t.sim.respondWith('batch/syncuser', () => ({ body: { errcode: 48002, errmsg: 'api forbidden, hint: [x]' } }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      const error = await failure(client.post('batch/syncuser', { media_id: 'm' }, { idempotent: false }));
      expect(error).toMatchObject({
        kind: 'config',
        errcode: 48002,
        retryable: false,
        errmsg: 'api forbidden, hint: [x]',
      });
      expect(error.message).toContain('通讯录同步');
      expect(error.message).toContain('API编辑通讯录');
      expect(error.message).toContain('corpSecret');
      expect(count('gettoken')).toBe(1);
      expect(count('batch/syncuser')).toBe(1);
    });

    it('60020 names the IP WeCom saw and where to allow-list it', async () => {
      t.sim.respondWith('batch/getresult', () => ({
        body: {
          errcode: 60020,
          errmsg:
            'not allow to access from your ip, hint: [x], from ip: 203.0.113.7, more info at https://open.work.weixin.qq.com/devtool/query?e=60020',
        },
      }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      const error = await failure(client.get('batch/getresult', { jobid: 'j' }));
      expect(error).toMatchObject({ kind: 'config', errcode: 60020, retryable: false });
      expect(error.message).toContain('203.0.113.7');
      expect(error.message).toContain('企业可信IP');
      expect(count('batch/getresult')).toBe(1);
    });

    it.each([40013, 40091, 41001])('%i is a configuration error, not retried', async (errcode) => {
      t.sim.respondWith('batch/getresult', () => ({ body: { errcode, errmsg: 'bad' } }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      const error = await failure(client.get('batch/getresult'));
      expect(error).toMatchObject({ kind: 'config', errcode, retryable: false });
      expect(count('batch/getresult')).toBe(1);
      expect(count('gettoken')).toBe(1);
    });

    it('refuses an endpoint that is not a relative path (the token must not go elsewhere), sending nothing', async () => {
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      for (const endpoint of ['http://evil.example/x', '../gettoken', '/batch/getresult', 'batch/getresult?x=1']) {
        const error = await failure(client.get(endpoint));
        expect(error).toMatchObject({ kind: 'local', retryable: false });
      }
      expect(t.sim.rawRequests()).toHaveLength(0);
    });
  });
});

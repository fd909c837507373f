import { describe, expect, it } from '@jest/globals';
import {
  apiFailure as failure,
  clientOptions,
  CORP_ID,
  createClient,
  parseMultipart,
  simulatorPerTest,
} from './client.spec-helper.js';
import { MAX_MEDIA_FILE_BYTES } from './wecom-request.util.js';

describe('WeComClient uploadMedia', () => {
  const t = simulatorPerTest();
  const { received, count, query } = t;

  describe('uploadMedia', () => {
    it('sends multipart field "media" with the filename and content type to media/upload?type=file', async () => {
      t.sim.respondWith('media/upload', () => ({
        body: { errcode: 0, errmsg: '', type: 'file', media_id: 'MEDIA-1', created_at: '1380000000' },
      }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      const csv = Buffer.from('姓名,帐号,手机号\n张三,zhangsan,13800000000\n', 'utf8');

      const media = await client.uploadMedia(csv, 'members.csv');

      expect(media).toEqual({ mediaId: 'MEDIA-1', createdAt: 1380000000 });
      const [request] = received('media/upload');
      expect(request.method).toBe('POST');
      expect(query(request).get('type')).toBe('file');
      expect(query(request).get('access_token')).toBe(t.sim.issuedTokens(CORP_ID)[0]);
      const parts = parseMultipart(String(request.headers['content-type']), request.bodyBytes);
      expect(parts).toHaveLength(1);
      expect(parts[0]).toMatchObject({ name: 'media', filename: 'members.csv', contentType: 'text/csv' });
      expect(parts[0].data.equals(csv)).toBe(true);
    });

    it('accepts created_at as a number', async () => {
      t.sim.respondWith('media/upload', () => ({
        body: { type: 'file', media_id: 'MEDIA-2', created_at: 1380000001 },
      }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      await expect(client.uploadMedia(Buffer.from('abcdefgh'), 'a.csv')).resolves.toEqual({
        mediaId: 'MEDIA-2',
        createdAt: 1380000001,
      });
    });

    it('sends a file of exactly 20 MB, and refuses 20 MB + 1 byte locally without any request', async () => {
      t.sim.respondWith('media/upload', (request) => ({
        body: { media_id: `M-${request.bodyBytes.length}`, created_at: 1 },
      }));
      const { client } = createClient(clientOptions(t.sim.baseUrl, { requestTimeoutMs: 20_000 }));

      const big = await client.uploadMedia(Buffer.alloc(MAX_MEDIA_FILE_BYTES, 0x61), 'big.csv');
      expect(big.mediaId).toMatch(/^M-\d+$/);
      expect(count('media/upload')).toBe(1);

      const before = t.sim.rawRequests().length;
      const { client: fresh } = createClient(clientOptions(t.sim.baseUrl));
      const error = await failure(fresh.uploadMedia(Buffer.alloc(MAX_MEDIA_FILE_BYTES + 1), 'big.csv'));
      expect(error).toMatchObject({ kind: 'local', errcode: 45001, endpoint: 'media/upload', retryable: false });
      expect(error.message).toContain('20 MB');
      expect(t.sim.rawRequests()).toHaveLength(before); // not even a gettoken
    });

    it('refuses files of 5 bytes or less locally', async () => {
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      for (const size of [0, 5]) {
        const error = await failure(client.uploadMedia(Buffer.alloc(size, 0x61), 'tiny.csv'));
        expect(error).toMatchObject({ kind: 'local', errcode: 40006, retryable: false });
      }
      expect(t.sim.rawRequests()).toHaveLength(0);
    });

    it('refuses a filename that would break the Content-Disposition header', async () => {
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      for (const name of ['', 'a"b.csv', 'dir/a.csv', 'a\r\nX-Evil: 1.csv']) {
        const error = await failure(client.uploadMedia(Buffer.from('abcdefgh'), name));
        expect(error.kind).toBe('local');
      }
      expect(t.sim.rawRequests()).toHaveLength(0);
    });

    it('retries an upload after a reset (a second upload only creates an unused media_id)', async () => {
      t.sim.resetNext('media/upload');
      t.sim.respondWith('media/upload', (request) => {
        const [part] = parseMultipart(String(request.headers['content-type']), request.bodyBytes);
        return { body: { media_id: `M-${part.data.toString()}`, created_at: 1 } };
      });
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      await expect(client.uploadMedia(Buffer.from('content-1'), 'a.csv')).resolves.toMatchObject({
        mediaId: 'M-content-1',
      });
      expect(count('media/upload')).toBe(2);
    });

    it('reports a success without media_id as an unexpected answer', async () => {
      t.sim.respondWith('media/upload', () => ({ body: { errcode: 0, errmsg: 'ok' } }));
      const { client } = createClient(clientOptions(t.sim.baseUrl));
      const error = await failure(client.uploadMedia(Buffer.from('abcdefgh'), 'a.csv'));
      expect(error).toMatchObject({ kind: 'response', endpoint: 'media/upload', retryable: false });
    });
  });
});

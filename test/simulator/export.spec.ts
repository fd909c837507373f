import { afterEach, describe, expect, it } from '@jest/globals';
import { WeComSimulator } from '../../lib/testing/index.js';
import {
  CORP_ID,
  DEPARTMENTS,
  EXPORT_KEY,
  MEMBER_HEADER,
  decryptExportFile,
  download,
  getJson,
  getToken,
  member,
  postJson,
  readFiles,
  runExport,
  runImport,
  startSimulator,
  type Json,
} from './helpers.js';

let sim: WeComSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const WORKED_EXAMPLE =
  '{"userlist":[{"userid":"zhangsan","name":"张三","department":[1,2],"open_userid":"woAAAA"},' +
  '{"userid":"lisi","name":"李四","department":[2],"open_userid":"woBBBB"}]}';

describe('export/* and export/get_result', () => {
  it('serves the worked example of the doc byte for byte through export/simple_user', async () => {
    sim = await startSimulator(
      {},
      {
        departments: DEPARTMENTS,
        users: [
          { userid: 'zhangsan', name: '张三', mobile: '13800000001', departments: [1, 2], openUserid: 'woAAAA' },
          { userid: 'lisi', name: '李四', mobile: '13800000002', departments: [2], openUserid: 'woBBBB' },
        ],
      },
    );
    const token = await getToken(sim);
    const result = await runExport(sim, token, 'simple_user');
    expect(result).toMatchObject({ errcode: 0, errmsg: 'ok', status: 2 });
    expect(result.data_list).toEqual([
      {
        url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/export-file\/[\w-]{32}$/),
        size: 192,
        md5: '95558193dd516141377fb4f004fb6f37',
      },
    ]);
    const { status, bytes } = await download(result.data_list[0].url);
    expect(status).toBe(200);
    expect(decryptExportFile(bytes)).toEqual({ text: WORKED_EXAMPLE, pad: 24 });
    expect(sim.exportJobs()).toEqual([
      expect.objectContaining({
        jobId: result.jobid,
        type: 'export_simple_user',
        status: 2,
        blockSize: 1_000_000,
        total: 2,
      }),
    ]);
    // The file URL needs no token and the key never shows in the redacted log.
    expect(sim.requests('export/simple_user')[0].body).toEqual({ encoding_aeskey: '***' });
    expect(sim.requests('export-file')[0]).toMatchObject({ path: '/export-file/***', status: 200 });
  });

  it('splits members into files of the forced block size, each a complete export/user document', async () => {
    const users = Array.from({ length: 5 }, (_, i) => member(`m${i}`, i));
    users[0] = { ...users[0], departments: [2, 3], isLeaderInDept: [true, false], order: [5, 7], gender: '2' };
    users[1] = { ...users[1], disabled: true, email: 'm1@example.com', position: '工程师', extAttrs: { 爱好: '围棋' } };
    sim = await startSimulator({}, { departments: DEPARTMENTS, users, extAttrs: ['爱好'] });
    sim.forceExportBlockSize(2);
    const token = await getToken(sim);
    const result = await runExport(sim, token, 'user', { block_size: 10_000 });
    expect(result.data_list).toHaveLength(3);
    const documents = await readFiles(result);
    expect(documents.map((d) => d.userlist.length)).toEqual([2, 2, 1]);
    const [first, second] = documents[0].userlist as Json[];
    expect(first).toMatchObject({
      userid: 'm0',
      name: '成员0',
      department: [2, 3],
      order: [5, 7],
      is_leader_in_dept: [1, 0],
      main_department: 2,
      gender: '2',
      mobile: '13800000000',
      email: '',
      position: '',
      status: 1,
      extattr: { attrs: [] },
    });
    expect(second).toMatchObject({ gender: '0', status: 2, email: 'm1@example.com', position: '工程师' });
    expect(second.extattr).toEqual({ attrs: [{ type: 0, name: '爱好', text: { value: '围棋' } }] });
    expect(sim.exportJobs()[0]).toMatchObject({ requestedBlockSize: 10_000, blockSize: 2, total: 5 });
    expect(sim.exportJobs()[0].files.map((f) => f.records)).toEqual([2, 2, 1]);
  });

  it("leaves the corp's withheld fields out of export/user (absent, not empty)", async () => {
    sim = await startSimulator(
      {},
      { users: [member('a', 1, { departments: [1] })], withheldFields: ['mobile', 'gender', 'avatar'] },
    );
    const token = await getToken(sim);
    const [{ userlist }] = await readFiles(await runExport(sim, token, 'user'));
    expect(userlist[0]).not.toHaveProperty('mobile');
    expect(userlist[0]).not.toHaveProperty('gender');
    expect(userlist[0]).not.toHaveProperty('thumb_avatar');
    expect(userlist[0]).toHaveProperty('email', '');
  });

  it.each([1, 16, 17, 32])('exports a department file whose padding is %i bytes', async (pad) => {
    // The root's name length is chosen so that the document's length leaves `pad` bytes to the next 32.
    const base = '{"department":[{"id":1,"name":"","name_en":"","parentid":0,"order":0}]}'.length;
    const nameLength = 1 + ((((32 - pad - base - 1) % 32) + 32) % 32);
    sim = await startSimulator({}, { departments: [{ id: 1, name: 'n'.repeat(nameLength), parentId: 0, order: 0 }] });
    const token = await getToken(sim);
    const result = await runExport(sim, token, 'department');
    const { bytes } = await download(result.data_list[0].url);
    const { text, pad: actual } = decryptExportFile(bytes);
    expect(actual).toBe(pad);
    expect(JSON.parse(text)).toEqual({
      department: [{ id: 1, name: 'n'.repeat(nameLength), name_en: '', parentid: 0, order: 0 }],
    });
  });

  it('exports a tag: its members, then its departments, split by block across both lists', async () => {
    sim = await startSimulator(
      {},
      {
        departments: DEPARTMENTS,
        users: [member('a', 1), member('b', 2), member('c', 3)],
        tags: [{ tagid: 7, tagname: '骨干', userids: ['a', 'c'], partyids: [2, 3] }],
      },
    );
    sim.forceExportBlockSize(3);
    const token = await getToken(sim);
    const documents = await readFiles(await runExport(sim, token, 'taguser', { tagid: 7 }));
    expect(documents).toEqual([
      {
        tagname: '骨干',
        userlist: [
          { userid: 'a', name: '成员1' },
          { userid: 'c', name: '成员3' },
        ],
        partylist: [2],
      },
      { tagname: '骨干', userlist: [], partylist: [3] },
    ]);
    expect(sim.exportJobs()[0]).toMatchObject({ type: 'export_taguser', tagId: 7, total: 4 });
  });

  it('reads the directory as it was at submission, even if an import changes it before the files are served', async () => {
    sim = await startSimulator({}, { departments: DEPARTMENTS, users: [member('a', 1)] });
    const token = await getToken(sim);
    sim.setExportDelay(Infinity);
    const { jobid } = await postJson(sim, `/cgi-bin/export/simple_user?access_token=${token}`, {
      encoding_aeskey: EXPORT_KEY,
    });
    await runImport(sim, token, 'syncuser', `${MEMBER_HEADER}\n新人,b,13900000001,,2\n`);
    sim.completeJobs();
    await sim.settled();
    const result = await getJson(sim, `/cgi-bin/export/get_result?access_token=${token}&jobid=${jobid}`);
    const [{ userlist }] = await readFiles(result);
    expect(userlist.map((u: Json) => u.userid)).toEqual(['a']);
    sim.setExportDelay(0);
    expect((await readFiles(await runExport(sim, token, 'simple_user')))[0].userlist).toHaveLength(2);
  });

  it('reports status 0 then 1 while pending (no data_list), 2 when done, 3 for a failed export', async () => {
    sim = await startSimulator({}, { users: [member('a', 1, { departments: [1] })] });
    const token = await getToken(sim);
    sim.setExportDelay(Infinity);
    const { jobid } = await postJson(sim, `/cgi-bin/export/user?access_token=${token}`, {
      encoding_aeskey: EXPORT_KEY,
    });
    const pending = await getJson(sim, `/cgi-bin/export/get_result?access_token=${token}&jobid=${jobid}`);
    expect(pending).toEqual({ errcode: 0, errmsg: 'ok', status: 0 });
    sim.completeJobs();
    await sim.settled();
    const done = await getJson(sim, `/cgi-bin/export/get_result?access_token=${token}&jobid=${jobid}`);
    expect(done.status).toBe(2);

    sim.setExportDelay(20);
    sim.failNextExport();
    const failed = await runExport(sim, token, 'user');
    expect(failed).toMatchObject({ errcode: 0, status: 3 });
    expect(failed).not.toHaveProperty('data_list');
    expect(sim.exportJobs()[1]).toMatchObject({ status: 3, errCode: -1, files: [] });
  });

  it('refuses bad submissions and a POSTed get_result with WeCom errcodes', async () => {
    sim = await startSimulator({}, { tags: [{ tagid: 1, tagname: 't' }] });
    const token = await getToken(sim);
    const post = (kind: string, body: Json): Promise<Json> =>
      postJson(sim!, `/cgi-bin/export/${kind}?access_token=${token}`, body);
    expect((await post('user', {})).errcode).toBe(40063);
    expect((await post('user', { encoding_aeskey: 'abc' })).errcode).toBe(40058);
    expect((await post('user', { encoding_aeskey: `${EXPORT_KEY.slice(1)}=` })).errcode).toBe(40058);
    expect((await post('user', { encoding_aeskey: EXPORT_KEY, block_size: 9_999 })).errcode).toBe(40058);
    expect((await post('user', { encoding_aeskey: EXPORT_KEY, block_size: 1_000_001 })).errcode).toBe(40058);
    expect((await post('user', { encoding_aeskey: EXPORT_KEY, block_size: '10000' })).errcode).toBe(40058);
    expect((await post('taguser', { encoding_aeskey: EXPORT_KEY })).errcode).toBe(40063);
    expect((await post('taguser', { encoding_aeskey: EXPORT_KEY, tagid: 2 })).errcode).toBe(40068);
    expect((await post('taguser', { encoding_aeskey: EXPORT_KEY, tagid: '1' })).errcode).toBe(40068);
    expect((await post('user', { encoding_aeskey: EXPORT_KEY, block_size: 10_000 })).errcode).toBe(0);
    expect(sim.exportJobs()).toHaveLength(1);
    const { jobid } = await post('department', { encoding_aeskey: EXPORT_KEY });
    const posted = await postJson(sim, `/cgi-bin/export/get_result?access_token=${token}`, { jobid });
    expect(posted.errcode).toBe(40063);
    expect(posted.errmsg).toMatch(/^POST is not supported by export\/get_result; use GET/);
    expect((await getJson(sim, `/cgi-bin/export/get_result?access_token=${token}&jobid=nope`)).errcode).toBe(40088);
    expect((await getJson(sim, `/cgi-bin/export/get_result?access_token=${token}`)).errcode).toBe(40063);
    expect((await getJson(sim, `/cgi-bin/export/get_result?access_token=bad&jobid=${jobid}`)).errcode).toBe(40014);
  });

  it("keeps another corp's export jobs invisible (40088)", async () => {
    sim = await startSimulator({
      corps: [
        { corpId: CORP_ID, corpSecret: 's1' },
        { corpId: 'wwother', corpSecret: 's2' },
      ],
    });
    const mine = await getToken(sim, CORP_ID, 's1');
    const theirs = await getToken(sim, 'wwother', 's2');
    const { jobid } = await runExport(sim, mine, 'department');
    expect((await getJson(sim, `/cgi-bin/export/get_result?access_token=${theirs}&jobid=${jobid}`)).errcode).toBe(
      40088,
    );
  });
});

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { WeComSimulator } from 'nestjs-wecom-batch/testing';
import { ADAPTERS } from './helpers/app.js';
import { CORP, members, startBatchApp, startSimulator, type BatchApp } from './helpers/batch-app.js';
import { forbiddenValues } from '../setup/secret-registry.js';
import { findLeaks } from '../setup/telemetry-leaks.js';
import { CapturingLogger } from './helpers/capturing-logger.js';
import * as exports from './helpers/export-app.js';
import { OtelSdk } from './helpers/otel-sdk.js';

// Traces and metrics of syncs through the simulator, with a real OpenTelemetry SDK registered the way an app
// registers it (before the Nest app is created): the one the whole-run guard (test/setup/otel-leak-guard.ts)
// installed for this file, which at the end searches every span and metric of the file for secrets and the
// rows' personal data. The last test checks the guard knows this file's values and finds none of them.
const sdk = OtelSdk.shared();
const logger = new CapturingLogger();
/** Names, mobiles and e-mails of every row synced in this file. */
const personalData = new Set<string>();
const issuedTokens = new Set<string>();

let sim: WeComSimulator;
let running: BatchApp | undefined;

beforeEach(async () => {
  sdk.reset();
  sim = await startSimulator();
});

afterEach(async () => {
  for (const token of sim.issuedTokens()) issuedTokens.add(token);
  await running?.close();
  running = undefined;
  await sim.close();
});

function rows(count: number, prefix: string): ReturnType<typeof members> {
  const list = members(count, prefix);
  // The boss's mobile: WeCom refuses this row (60104, mobile already used).
  list[0]!.mobile = '13800000000';
  for (const row of list) [row.name, row.mobile, row.email].forEach((value) => personalData.add(value));
  return list;
}

function one(name: string): ReadableSpan {
  const found = sdk.spans(name);
  expect(found.map((span) => span.name)).toEqual([name]);
  return found[0]!;
}

describe.each(ADAPTERS)('OpenTelemetry on %s', (adapter) => {
  it('a sync: spans for the CSV, upload, submission, each HTTP attempt, the token, the callback and the job', async () => {
    running = await startBatchApp(sim, adapter, logger);
    // One transient failure of getresult: a second client span for the retry.
    sim.failNext('batch/getresult', { errcode: -1, times: 1 });
    const job = await running.batch.syncUsers({ users: rows(5, `otel${adapter}`) });
    const done = await job.wait();
    expect(done.source).toBe('callback');
    expect(done.failedRows).toBe(1);

    const csv = one('wecom.batch.csv_build');
    expect(csv.attributes).toMatchObject({
      'wecom.corp_id': CORP.corpId,
      'wecom.job.type': 'sync_user',
      'wecom.job.rows': 5,
    });
    const upload = one('wecom.batch.upload');
    expect(upload.attributes['wecom.file.bytes']).toBeGreaterThan(100);
    const submit = one('wecom.batch.submit');
    expect(submit.attributes['wecom.job.id']).toBe(job.jobId);

    // Client spans, one per HTTP attempt, inside the step that made them.
    const mediaUpload = one('POST media/upload');
    expect(mediaUpload.kind).toBe(SpanKind.CLIENT);
    expect(mediaUpload.parentSpanContext?.spanId).toBe(upload.spanContext().spanId);
    expect(mediaUpload.attributes).toMatchObject({
      'http.request.method': 'POST',
      'server.address': '127.0.0.1',
      'http.response.status_code': 200,
      'wecom.errcode': 0,
      'wecom.endpoint': 'media/upload',
    });
    expect(mediaUpload.attributes['url.full']).toBe(
      `${sim.baseUrl}/cgi-bin/media/upload?access_token=REDACTED&type=file`,
    );
    expect(one('POST batch/syncuser').parentSpanContext?.spanId).toBe(submit.spanContext().spanId);

    const refresh = one('wecom.token.refresh');
    expect(one('GET gettoken').parentSpanContext?.spanId).toBe(refresh.spanContext().spanId);
    expect(one('GET gettoken').attributes['url.full']).toBe(
      `${sim.baseUrl}/cgi-bin/gettoken?corpid=${CORP.corpId}&corpsecret=REDACTED`,
    );

    // The failed attempt, then its retry (a later read of the rows may add more calls).
    const getresult = sdk
      .spans('GET batch/getresult')
      .map((span): Record<string, unknown> => ({ ...span.attributes, status: span.status.code }));
    expect(getresult.length).toBeGreaterThanOrEqual(2);
    expect(getresult[0]).toMatchObject({ 'wecom.errcode': -1, 'error.type': '-1', status: SpanStatusCode.ERROR });
    expect(getresult[1]).toMatchObject({ 'wecom.errcode': 0, 'http.request.resend_count': 1 });
    expect(getresult[1]!['error.type']).toBeUndefined();

    const callback = sdk.spans('wecom.callback.receive');
    expect(callback.map((span) => span.attributes['wecom.callback.outcome'])).toContain('accepted');

    // The job's life: from submission to completion, linked to the submission span.
    const life = one('wecom.batch.job');
    expect(life.attributes).toMatchObject({
      'wecom.job.id': job.jobId,
      'wecom.job.type': 'sync_user',
      'wecom.job.outcome': 'failed_rows',
      'wecom.job.completion_source': 'callback',
      'wecom.job.failed_rows': 1,
    });
    expect(life.links.map((link) => link.context.spanId)).toEqual([submit.spanContext().spanId]);
    expect(life.instrumentationScope).toMatchObject({ name: 'nestjs-wecom-batch', version: expect.any(String) });

    // Metrics.
    expect(await sdk.metrics('wecom.batch.jobs.completed')).toEqual([
      expect.objectContaining({
        unit: '{job}',
        value: 1,
        attributes: expect.objectContaining({ 'wecom.job.outcome': 'failed_rows', 'wecom.job.type': 'sync_user' }),
      }),
    ]);
    expect(await sdk.metrics('wecom.batch.jobs.submitted')).toEqual([expect.objectContaining({ value: 1 })]);
    expect(await sdk.metrics('wecom.batch.failed_rows')).toEqual([
      expect.objectContaining({
        unit: '{row}',
        value: 1,
        attributes: expect.objectContaining({ 'wecom.errcode': 60104 }),
      }),
    ]);
    const [duration] = await sdk.metrics('wecom.batch.job.duration');
    expect(duration).toMatchObject({ unit: 's', value: 1 });
    expect(duration!.sum).toBeGreaterThan(0);
    expect(await sdk.metrics('wecom.api.errors')).toEqual([
      expect.objectContaining({
        value: 1,
        attributes: { 'wecom.endpoint': 'batch/getresult', 'wecom.errcode': -1, 'error.type': '-1' },
      }),
    ]);
    expect(await sdk.metrics('wecom.token.refreshes')).toEqual([
      expect.objectContaining({ value: 1, attributes: expect.objectContaining({ 'wecom.token.outcome': 'success' }) }),
    ]);
    const deliveries = await sdk.metrics('wecom.callback.deliveries');
    expect(deliveries.find((p) => p.attributes['wecom.callback.outcome'] === 'accepted')?.value).toBe(1);
    expect(await sdk.metrics('wecom.batch.jobs.pending')).toEqual([
      expect.objectContaining({ value: 0, attributes: { 'wecom.corp_id': CORP.corpId } }),
    ]);

    // The job's one log line, with its counts.
    expect(logger.lines).toContainEqual({
      level: 'log',
      text: expect.stringMatching(
        new RegExp(`job ${job.jobId} \\(sync_user\\) completed by callback .*5 rows, 1 failed \\(60104×1\\)`),
      ),
    });
  });

  it('a callback that never came: completion by polling, a warning with the likely causes; duplicates and forgeries counted', async () => {
    running = await startBatchApp(sim, adapter, logger);
    sim.dropNextCallback(10);
    const job = await running.batch.syncUsers({ users: rows(3, `poll${adapter}`) });
    const done = await job.wait();
    expect(done.source).toBe('poll');
    expect(one('wecom.batch.job').attributes['wecom.job.completion_source']).toBe('poll');
    const warning = logger.lines.find(
      (line) => line.level === 'warn' && line.text.includes(`job ${job.jobId} completed by polling`),
    );
    expect(warning?.text).toContain('callback.url');
    expect(warning?.text).toContain('reason=callback_missing');

    // A forged delivery: refused, its reason on the span and the metric.
    const url = `${(await running.app.getUrl()).replace('[::1]', '127.0.0.1')}/wecom/batch/callback`;
    const forged = await fetch(
      `${url}?msg_signature=${'0'.repeat(40)}&timestamp=${Math.floor(Date.now() / 1000)}&nonce=n`,
      {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: '<xml><ToUserName><![CDATA[x]]></ToUserName><Encrypt><![CDATA[aGVsbG8=]]></Encrypt></xml>',
      },
    );
    expect(forged.status).toBe(401);
    const rejected = sdk
      .spans('wecom.callback.receive')
      .find((s) => s.attributes['wecom.callback.outcome'] === 'rejected');
    expect(rejected?.attributes['wecom.callback.reason']).toBe('bad_signature');
    const deliveries = await sdk.metrics('wecom.callback.deliveries');
    expect(deliveries).toContainEqual(
      expect.objectContaining({
        value: 1,
        attributes: { 'wecom.callback.outcome': 'rejected', 'wecom.callback.reason': 'bad_signature' },
      }),
    );

    // WeCom's retry of a delivery after the job completed: acknowledged, counted as a duplicate.
    sim.clearFaults();
    const second = await running.batch.syncUsers({ users: rows(2, `dup${adapter}`) });
    expect((await second.wait()).source).toBe('callback');
    const [delivery] = sim.deliveries(second.jobId);
    const again = await fetch(`${url}?${new URLSearchParams(delivery!.query).toString()}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: delivery!.body,
    });
    expect(again.status).toBe(200);
    expect(sdk.spans('wecom.callback.receive').map((s) => s.attributes['wecom.callback.outcome'])).toContain(
      'duplicate',
    );
    expect(await sdk.metrics('wecom.callback.deliveries')).toContainEqual(
      expect.objectContaining({ value: 1, attributes: { 'wecom.callback.outcome': 'duplicate' } }),
    );
  });
});

describe('OpenTelemetry of an export', () => {
  afterEach(exports.closeAll);

  it('per file: a download span, then a decrypt span with the file index, size and rows read', async () => {
    await exports.startSim();
    const { batch } = await exports.startApp('express');
    const job = await batch.exportUsers();
    expect(await job.toArray()).toHaveLength(exports.USERS.length);

    const downloads = sdk.spans('wecom.export.download');
    const decrypts = sdk.spans('wecom.export.decrypt');
    // 13 members in files of 5.
    expect(decrypts.map((span) => span.attributes)).toEqual(
      [5, 5, 3].map((rows, index) =>
        expect.objectContaining({
          'wecom.job.id': job.jobId,
          'wecom.job.type': 'export_user',
          'wecom.export.file.index': index,
          'wecom.export.file.rows': rows,
          'wecom.file.bytes': downloads[index]!.attributes['wecom.file.bytes'],
          'wecom.export.decrypt.busy_ms': expect.any(Number),
        }),
      ),
    );
    expect(downloads).toHaveLength(3);
    for (const [index, decrypt] of decrypts.entries()) {
      // Each file is decrypted after its download ended (span start times are in whole milliseconds).
      expect(millis(decrypt.startTime)).toBeGreaterThanOrEqual(Math.floor(millis(downloads[index]!.endTime)));
      expect(decrypt.status.code).not.toBe(SpanStatusCode.ERROR);
    }
  });

  it('a reader that stops early ends the span with the rows it took; a tampered file fails its download span', async () => {
    await exports.startSim();
    const { batch } = await exports.startApp('express');
    const job = await batch.exportUsers();
    await job.wait();
    let taken = 0;
    for await (const row of job.rows()) {
      expect(row.userid).toBeDefined();
      if (++taken === 2) break;
    }
    expect(sdk.spans('wecom.export.decrypt').map((span) => span.attributes['wecom.export.file.rows'])).toEqual([2]);

    (exports.running.sim as WeComSimulator).corruptNextExportFile();
    await expect(job.toArray()).rejects.toMatchObject({ problem: 'md5' });
    const failed = sdk.spans('wecom.export.download').at(-1)!;
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes['error.type']).toBe('md5');
    expect(sdk.spans('wecom.export.decrypt')).toHaveLength(1);
  });
});

function millis([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}

describe('no secret or personal data in any span or metric of this file', () => {
  it('the guard knows the secrets, access tokens, names, mobiles and e-mails of this file, and finds none', async () => {
    expect(sdk.spanCount).toBeGreaterThan(20);
    expect(personalData.size).toBeGreaterThan(10);
    expect(issuedTokens.size).toBeGreaterThan(0);
    const known = forbiddenValues();
    const expected = [CORP.corpSecret, CORP.callbackToken, CORP.encodingAESKey, ...issuedTokens, ...personalData];
    expect(expected.filter((value) => !known.has(value))).toEqual([]);
    expect(findLeaks(await sdk.recordedTexts(), forbiddenValues())).toEqual([]);
  });
});

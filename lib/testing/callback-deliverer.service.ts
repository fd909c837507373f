import { randomInt } from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { WeComCrypto } from '../callback/wecom-crypto.service.js';
import type { CallbackDelivery } from './simulator.types.js';

/** What a finished job hands to the deliverer. */
export interface CallbackJob {
  jobId: string;
  corpId: string;
  jobType: string;
  errCode: number;
  errMsg: string;
  callback: { url: string; token: string; encodingAESKey: string };
  /** `job`: the import's own `callback`; `console`: the corp's console callback (exports). */
  channel?: 'job' | 'console';
}

/** Delivery settings (see `WeComSimulatorOptions`). */
export interface DelivererSettings {
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  clock: () => number;
}

/**
 * Delivers `batch_job_result` events like WeCom: the §8.1 XML encrypted for receiveId = CorpID, POSTed in
 * the §8.3 envelope with `msg_signature`, `timestamp` and `nonce`; an attempt that gets no HTTP 200 within
 * the timeout is retried. The event (and its CreateTime) is the same in every attempt; the encryption,
 * timestamp and nonce are fresh. `close()` aborts whatever is in flight, so nothing keeps the process alive.
 */
export class CallbackDeliverer {
  private readonly log: CallbackDelivery[] = [];
  private readonly requests = new Set<ClientRequest>();
  private readonly pauses = new Map<NodeJS.Timeout, () => void>();
  private readonly running = new Set<Promise<boolean>>();
  private closed = false;

  constructor(private readonly settings: DelivererSettings) {}

  /** Every attempt so far, oldest first (copies). */
  deliveries(): CallbackDelivery[] {
    return this.log.map((d) => ({ ...d, query: { ...d.query }, event: { ...d.event } }));
  }

  /**
   * Delivers `job`'s event, retrying until an attempt gets 200 or the retries run out, then sends
   * `duplicates` extra copies. Resolves true when an attempt got 200.
   */
  deliver(job: CallbackJob, duplicates: number): Promise<boolean> {
    const run = this.run(job, duplicates);
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }

  /** Resolves once no delivery is running. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /** Aborts in-flight attempts and pending retries; later deliveries are not sent. */
  close(): void {
    this.closed = true;
    for (const req of this.requests) req.destroy(new Error('aborted'));
    for (const [timer, resume] of this.pauses) {
      clearTimeout(timer);
      resume();
    }
    this.pauses.clear();
  }

  private async run(job: CallbackJob, duplicates: number): Promise<boolean> {
    const crypto = new WeComCrypto({
      token: job.callback.token,
      encodingAESKey: job.callback.encodingAESKey,
      receiveId: job.corpId,
    });
    const createTime = Math.floor(this.settings.clock() / 1000);
    const event: CallbackDelivery['event'] = {
      ToUserName: job.corpId,
      FromUserName: 'sys',
      CreateTime: createTime,
      MsgType: 'event',
      Event: 'batch_job_result',
      JobId: job.jobId,
      JobType: job.jobType,
      ErrCode: job.errCode,
      ErrMsg: job.errMsg,
    };
    const plaintext =
      `<xml><ToUserName><![CDATA[${job.corpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>` +
      `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
      `<Event><![CDATA[batch_job_result]]></Event><BatchJob><JobId><![CDATA[${job.jobId}]]></JobId>` +
      `<JobType><![CDATA[${job.jobType}]]></JobType><ErrCode>${job.errCode}</ErrCode>` +
      `<ErrMsg><![CDATA[${job.errMsg}]]></ErrMsg></BatchJob></xml>`;

    let attempt = 0;
    let delivered = false;
    const send = (kind: CallbackDelivery['kind']): Promise<boolean> =>
      this.attempt(job, crypto, plaintext, event, kind, ++attempt);
    for (let i = 0; i <= this.settings.retries && !this.closed; i++) {
      if (i > 0) await this.pause(this.settings.retryDelayMs);
      if (this.closed) break;
      delivered = await send(i === 0 ? 'first' : 'retry');
      if (delivered) break;
    }
    for (let i = 0; i < duplicates && !this.closed; i++) {
      await this.pause(this.settings.retryDelayMs);
      if (!this.closed) await send('duplicate');
    }
    return delivered;
  }

  private attempt(
    job: CallbackJob,
    crypto: WeComCrypto,
    plaintext: string,
    event: CallbackDelivery['event'],
    kind: CallbackDelivery['kind'],
    attempt: number,
  ): Promise<boolean> {
    const timestamp = String(Math.floor(this.settings.clock() / 1000));
    const nonce = String(randomInt(1_000_000_000, 10_000_000_000));
    const encrypted = crypto.encrypt(plaintext);
    const signature = crypto.signature(timestamp, nonce, encrypted);
    const body =
      `<xml><ToUserName><![CDATA[${job.corpId}]]></ToUserName>` +
      `<Encrypt><![CDATA[${encrypted}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>`;
    const record: CallbackDelivery = {
      jobId: job.jobId,
      corpId: job.corpId,
      url: job.callback.url,
      channel: job.channel ?? 'job',
      attempt,
      kind,
      query: { msg_signature: signature, timestamp, nonce },
      body,
      plaintext,
      event,
      startedAt: Date.now(),
      ok: false,
      done: false,
    };
    this.log.push(record);

    const url = new URL(job.callback.url);
    url.searchParams.set('msg_signature', signature);
    url.searchParams.set('timestamp', timestamp);
    url.searchParams.set('nonce', nonce);
    const started = performance.now();
    return new Promise<boolean>((resolve) => {
      let finished = false;
      const finish = (status: number | undefined, error: string | undefined): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        this.requests.delete(req);
        record.durationMs = Math.round(performance.now() - started);
        record.status = status;
        record.error = error;
        record.ok = status === 200;
        record.done = true;
        resolve(record.ok);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      // agent: false — one connection per attempt, closed afterwards: no pooled socket outlives close().
      const req = send(url, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) },
      });
      this.requests.add(req);
      const timer = setTimeout(() => {
        finish(undefined, 'timeout');
        req.destroy(new Error('timeout'));
      }, this.settings.timeoutMs);
      req.on('response', (res) => {
        res.resume();
        finish(res.statusCode, undefined);
        res.on('end', () => req.destroy());
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        finish(undefined, error.message === 'aborted' ? 'aborted' : (error.code ?? error.message));
      });
      req.end(body);
    });
  }

  private pause(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pauses.delete(timer);
        resolve();
      }, ms);
      this.pauses.set(timer, resolve);
    });
  }
}

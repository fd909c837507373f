// crypto: verify + decrypt operations per second of WeComCrypto (constant-time compare, strict base64, padding,
// length and receiveId checks) against the official @wecom/crypto (getSignature + decrypt, which checks
// nothing), on the same signed messages: realistic batch_job_result events.
import { decrypt as officialDecrypt, getSignature } from '@wecom/crypto';
import { WeComCrypto } from 'nestjs-wecom-batch';
import { performance } from 'node:perf_hooks';
import { log, median, ratio, round, runMain } from './lib/common.mjs';
import { KEYS, makeDeliveries } from './lib/deliveries.mjs';

const QUICK = process.env.BENCH_QUICK === '1';
const MESSAGES = 2_000;
const ROUNDS = QUICK ? 3 : 9;
const ROUND_MS = QUICK ? 200 : 500;

/** Runs `op` over the messages for about `ROUND_MS`; ops per second. */
function measure(op, deliveries) {
  let ops = 0;
  let sink = 0;
  const started = performance.now();
  let elapsed;
  do {
    for (let i = 0; i < deliveries.length; i++) sink += op(deliveries[i]);
    ops += deliveries.length;
    elapsed = performance.now() - started;
  } while (elapsed < ROUND_MS);
  if (sink !== ops) throw new Error('a message failed to verify or decrypt');
  return (ops / elapsed) * 1000;
}

async function main() {
  const deliveries = makeDeliveries(MESSAGES, { prefix: 'crypto' });
  const ours = new WeComCrypto({ token: KEYS.token, encodingAESKey: KEYS.encodingAESKey, receiveId: KEYS.corpId });
  const oursOp = (d) =>
    ours.verify(d.signature, d.timestamp, d.nonce, d.encrypt) ? ours.decrypt(d.encrypt).message.length > 0 : 0;
  const officialOp = (d) =>
    getSignature(KEYS.token, d.timestamp, d.nonce, d.encrypt) === d.signature
      ? officialDecrypt(KEYS.encodingAESKey, d.encrypt).message.length > 0
      : 0;

  // Same plaintext from both, for every message: the comparison is of equal work.
  for (const d of deliveries) {
    if (ours.decrypt(d.encrypt).message !== officialDecrypt(KEYS.encodingAESKey, d.encrypt).message) {
      throw new Error('WeComCrypto and @wecom/crypto disagree on a message');
    }
  }

  // Warm-up, then alternate so drift and noise hit both alike.
  measure(oursOp, deliveries);
  measure(officialOp, deliveries);
  const oursRuns = [];
  const officialRuns = [];
  for (let r = 0; r < ROUNDS; r++) {
    oursRuns.push(measure(oursOp, deliveries));
    officialRuns.push(measure(officialOp, deliveries));
  }
  const value = round(median(oursRuns), 0);
  const baseline = round(median(officialRuns), 0);
  log(`crypto: WeComCrypto ${value} ops/s, @wecom/crypto ${baseline} ops/s (median of ${ROUNDS} rounds)`);
  return {
    summaries: [{ name: 'crypto', metric: 'ops_per_s', value, baseline, ratio: ratio(value, baseline) }],
    figures: {
      operation: 'verify signature + decrypt one batch_job_result delivery',
      messages: MESSAGES,
      plaintextBytes: ours.decrypt(deliveries[0].encrypt).message.length,
      rounds: ROUNDS,
      roundMs: ROUND_MS,
      weComCrypto: {
        medianOpsPerSec: value,
        perOpMicros: round(1e6 / value, 2),
        runs: oursRuns.map((x) => round(x, 0)),
      },
      official: {
        medianOpsPerSec: baseline,
        perOpMicros: round(1e6 / baseline, 2),
        runs: officialRuns.map((x) => round(x, 0)),
      },
      goal: 'ratio >= 1.0',
      goalMet: value >= baseline,
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) runMain(main);

import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runSample, type SampleIo } from '../../sample/cli/run-sample.js';
import { ADAPTERS } from './helpers/app.js';
import { CapturingLogger } from './helpers/capturing-logger.js';

// The sample's read-back: after its sync, `npm run sample` reads the directory back with exportUsers (completed
// by the simulated admin console's callback) and prints members per department and a few rows.

const ENV_NAMES = [
  'WECOM_CORP_ID',
  'WECOM_CORP_SECRET',
  'WECOM_API_BASE_URL',
  'WECOM_CALLBACK_URL',
  'WECOM_CALLBACK_TOKEN',
  'WECOM_CALLBACK_AES_KEY',
  'WECOM_CONSOLE_TOKEN',
  'WECOM_CONSOLE_AES_KEY',
  'WECOM_POLL_INTERVAL_MS',
  'PORT',
  'HOST',
  'DIRECTORY_FILE',
];

class Collected {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

let saved: Record<string, string | undefined>;
beforeEach(() => {
  saved = Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]]));
  for (const name of ENV_NAMES) delete process.env[name];
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('npm run sample: the read-back', () => {
  it.each(ADAPTERS)('prints what exportUsers found after the sync on %s', async (adapter) => {
    const logger = new CapturingLogger();
    const streams: SampleIo & { out: Collected; err: Collected } = {
      out: new Collected(),
      err: new Collected(),
      logger,
    };
    const code = await runSample(adapter === 'fastify' ? ['--fastify'] : [], streams, { jobDelayMs: 100 });
    expect([code, streams.err.text]).toEqual([0, '']);
    const out = streams.out.text;
    const now = /WeCom directory now: \d+ departments, (\d+) members/.exec(out);
    const back =
      /Read back \(exportUsers[^\n]*\n {2}(\d+) members in WeCom, read in [\d.]+ s \(export job (\S+)\)/.exec(out);
    expect(now).not.toBeNull();
    expect(back).not.toBeNull();
    // Every member WeCom has came back through the export.
    expect(back?.[1]).toBe(now?.[1]);
    // Members per department (largest first, named from the HR file) and three rows.
    const counts = [...out.matchAll(/^ {2} +(\d+) {2}(\S.*) \((\d+)\)$/gm)].map((m) => Number(m[1]));
    expect(counts.length).toBeGreaterThan(0);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    expect(out.match(/^ {2}e\.g\. \S+ · .+ · departments [\d;]+$/gm)).toHaveLength(3);
    // The export's completion came from the simulated console callback, verified with callback.acceptedKeys.
    expect(logger.lines.some((l) => /export_user job .* completed via callback/.test(l.text))).toBe(true);
    for (const name of ENV_NAMES) expect([name, process.env[name]]).toEqual([name, undefined]);
  });
});

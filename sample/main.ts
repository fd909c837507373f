// `npm run sample [-- --fastify] [-- --dry-run]`: the sample app's entry point. Run it without WECOM_* variables
// to watch a full directory sync against the embedded WeCom simulator; `--help` lists the options.
import { runSample } from './cli/run-sample.js';

process.exitCode = await runSample(process.argv.slice(2));

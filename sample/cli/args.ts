/** The command line of `npm run sample -- [options]`. */
export interface SampleArgs {
  fastify: boolean;
  dryRun: boolean;
  verbose: boolean;
  help: boolean;
  /** `--confirm-corp <corpId>`: required to write into a real corp. */
  confirmCorp?: string;
}

/** A command line the sample does not understand, or an environment it cannot run with. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Print the usage after the message (wrong arguments), or only a pointer to `--help`. */
    readonly showUsage = true,
  ) {
    super(message);
  }
}

export const USAGE = `Usage: npm run sample -- [--fastify] [--dry-run] [--confirm-corp <corpId>] [--verbose]

Without WECOM_* environment variables the sample runs against the embedded WeCom simulator: no credentials,
nothing leaves this machine.

With them it targets a real corp (企业微信):
  WECOM_CORP_ID           企业ID
  WECOM_CORP_SECRET       the 通讯录同步 secret (API editing enabled)
  WECOM_CALLBACK_URL      public URL that reaches this app's /wecom/batch/callback   ┐ all three,
  WECOM_CALLBACK_TOKEN    callback Token (≤ 32 letters/digits)                      │ or none to
  WECOM_CALLBACK_AES_KEY  callback EncodingAESKey (43 letters/digits)                ┘ poll instead
  WECOM_API_BASE_URL      optional, e.g. an egress proxy whose IP is in 企业可信IP
  PORT                    port the app listens on (default 3000)

Either way:
  DIRECTORY_FILE          a JSON file in the format of sample/data/directory.json (default: the bundled one)

Options:
  --fastify               run the app on the Fastify adapter (default: Express)
  --dry-run               validate the rows, write the CSV files and print the plan against WeCom's
                          directory (planDirectory: export reads only); nothing is uploaded
  --confirm-corp <id>     required for a real run: the sync REPLACES the corp's department tree
  --verbose               show debug logs and stacks

Exit codes: 0 done (both jobs completed; row-level failures are reported), 1 the sync failed,
2 usage or configuration error.`;

/** Parses the arguments after `npm run sample --`. */
export function parseArgs(argv: readonly string[]): SampleArgs {
  const args: SampleArgs = { fastify: false, dryRun: false, verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--fastify') args.fastify = true;
    else if (arg === '--express') args.fastify = false;
    else if (arg === '--dry-run') args.dryRun = true;
    else if (arg === '--verbose') args.verbose = true;
    else if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--confirm-corp' || arg.startsWith('--confirm-corp=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!value) throw new UsageError('--confirm-corp needs the corp id (the value of WECOM_CORP_ID)');
      args.confirmCorp = value;
    } else throw new UsageError(`unknown argument: ${arg}`);
  }
  return args;
}

/** Where the sample sends its jobs. */
export type Target = { kind: 'simulator' } | { kind: 'corp'; corpId: string; callbackUrl?: string };

const CALLBACK_VARS = ['WECOM_CALLBACK_URL', 'WECOM_CALLBACK_TOKEN', 'WECOM_CALLBACK_AES_KEY'] as const;
const ALL_VARS = ['WECOM_CORP_ID', 'WECOM_CORP_SECRET', ...CALLBACK_VARS, 'WECOM_API_BASE_URL'] as const;

/**
 * Simulator when no WECOM_* variable is set; a real corp when the credentials are complete. A partial set is an
 * error: better to stop than to run against the wrong target.
 */
export function readTarget(env: NodeJS.ProcessEnv): Target {
  const set = ALL_VARS.filter((name) => env[name]);
  if (set.length === 0) return { kind: 'simulator' };
  const missing: string[] = (['WECOM_CORP_ID', 'WECOM_CORP_SECRET'] as const).filter((name) => !env[name]);
  const callbackSet = CALLBACK_VARS.filter((name) => env[name]);
  if (callbackSet.length > 0 && callbackSet.length < CALLBACK_VARS.length) {
    missing.push(...CALLBACK_VARS.filter((name) => !env[name]));
  }
  if (missing.length > 0) {
    throw new UsageError(
      `${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set, so the sample would target a real corp, but ` +
        `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing. Set ${missing.length === 1 ? 'it' : 'them'} ` +
        '(the callback variables go together: all three or none), or unset every WECOM_* variable to use the simulator.',
      false,
    );
  }
  return { kind: 'corp', corpId: env.WECOM_CORP_ID as string, callbackUrl: env.WECOM_CALLBACK_URL };
}

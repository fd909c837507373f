/**
 * Messages of the configuration errors WeCom reports (`WeComApiError` with `kind: 'config'`): each says what
 * to change and where, in WeCom's admin console (管理后台) or in the module options.
 */

/** What the message may mention about the call. `errmsg` must already be scrubbed. */
export interface ConfigErrorContext {
  errcode: number;
  errmsg: string;
  endpoint: string;
  corpId: string;
}

const SYNC_SECRET_PATH = '管理后台 → 管理工具 → 通讯录同步 (Contacts Sync)';

/** The message of a configuration error; falls back to a generic one for codes without specific advice. */
export function configErrorMessage(ctx: ConfigErrorContext): string {
  const head = `WeCom ${ctx.endpoint} failed: errcode ${ctx.errcode} — ${ctx.errmsg}.`;
  return `${head}\n${advice(ctx)}`;
}

function advice(ctx: ConfigErrorContext): string {
  switch (ctx.errcode) {
    case 40001:
      return (
        `The corp secret was refused for CorpID "${ctx.corpId}". Set \`corpSecret\` to the 通讯录同步 secret ` +
        `(${SYNC_SECRET_PATH} → Secret); a secret that was reset, or an app that was disabled, stops working. ` +
        'Not retried: WeCom bans the calling IP for one hour after repeated wrong secrets.'
      );
    case 40013:
    case 2000002:
      return (
        `WeCom does not know the CorpID "${ctx.corpId}". Set \`corpId\` to the 企业ID shown in ` +
        '管理后台 → 我的企业 → 企业信息 (it starts with "ww" or "wx").'
      );
    case 40091:
      return (
        `The secret is not a valid secret of CorpID "${ctx.corpId}" (often another corp's secret). Set ` +
        `\`corpSecret\` to the 通讯录同步 secret of this corp (${SYNC_SECRET_PATH} → Secret).`
      );
    case 41001:
    case 41002:
    case 41004:
      return (
        'A required credential was missing from the request. `corpId` and `corpSecret` must be non-empty; ' +
        'if they are, a proxy at `apiBaseUrl` may be stripping the query string.'
      );
    case 48002:
      return (
        'This secret may not call this API. Batch import needs the 通讯录同步 (Contacts Sync) secret with API ' +
        `editing turned on: ${SYNC_SECRET_PATH} → 开启 API 接口同步 and set the permission to "API编辑通讯录" ` +
        '(edit contacts via API), then use that Secret as `corpSecret`. The secret of an ordinary app does not work.'
      );
    case 60020:
    case 301042: {
      const ip = /from ip:\s*([0-9A-Fa-f:.]+)/.exec(ctx.errmsg)?.[1];
      const seen = ip ? `WeCom saw this request coming from ${ip}. ` : '';
      return (
        `WeCom refused the calling IP. ${seen}Add this server's public egress IP to 企业可信IP (trusted IPs) of the ` +
        `通讯录同步 assistant (${SYNC_SECRET_PATH} → 企业可信IP); it takes about a minute to apply. Behind NAT or a ` +
        'proxy, allow-list its public IP; or route the calls through a host whose IP is trusted (`apiBaseUrl` ' +
        'pointing at a reverse proxy there, or the HTTPS_PROXY environment variable).'
      );
    }
    default:
      return 'Check the module configuration (`corpId`, `corpSecret`, `apiBaseUrl`).';
  }
}

import type { WeComRegistrationInfo } from './registration.types.js';

// The bootstrap guards' messages: each says what is wrong and what to change. Never a secret, only CorpIDs,
// names and paths.

/** `'north'` or `the unnamed registration`. */
export function registrationLabel(info: WeComRegistrationInfo): string {
  return info.name === undefined ? 'the unnamed registration' : `registration '${info.name}'`;
}

export function sameCorpTwiceMessage(a: WeComRegistrationInfo, b: WeComRegistrationInfo): string {
  return (
    `WeComBatchModule: corp ${a.corpId} is registered twice with the same secret (${registrationLabel(a)} and ` +
    `${registrationLabel(b)}): each would follow its jobs and hold its own import slot, so jobs complete twice. ` +
    'Register it once (e.g. forRoot in AppModule with isGlobal: true, or a named registration injected with ' +
    '@InjectBatchService(name)) and import that module where it is needed; in tests, override the one ' +
    'registration instead of adding another beside AppModule.'
  );
}

export function twoGlobalUnnamedMessage(a: WeComRegistrationInfo, b: WeComRegistrationInfo): string {
  return (
    `WeComBatchModule: two unnamed registrations are isGlobal (corps ${a.corpId} and ${b.corpId}): one would ` +
    'silently shadow the other wherever BatchService is injected. Give one a name (forRoot({ name: … })) and ' +
    'inject it with @InjectBatchService(name).'
  );
}

export function sameRouteMessage(a: WeComRegistrationInfo, b: WeComRegistrationInfo, path: string): string {
  return (
    `WeComBatchModule: ${registrationLabel(a)} (corp ${a.corpId}) and ${registrationLabel(b)} (corp ${b.corpId}) ` +
    `both mount the callback route ${path}: only one controller would answer, and the other corp's callbacks ` +
    'would be refused. Give each its own callbackPath (a named registration defaults to ' +
    "'wecom/batch/callback/<name>'), or serve several corps from one registration with resolveCorp, which routes " +
    'deliveries by CorpID.'
  );
}

export function routeMismatchMessage(info: WeComRegistrationInfo, mounted: string, urlPath: string): string {
  return (
    `WeComBatchModule: ${registrationLabel(info)} (corp ${info.corpId}) mounts its callback route on ${mounted} ` +
    `(global prefix + callbackPath), but callback.url points to ${urlPath}: WeCom's deliveries would miss the ` +
    'route and jobs would complete only by polling. Make callbackPath (or the global prefix) match the URL, or ' +
    'set callbackUrlRewritten: true if a reverse proxy rewrites the public path onto this route.'
  );
}

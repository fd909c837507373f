import { isEncodingAesKey } from './export-file.cipher.js';
import type { SimulatedConsoleCallback, SimulatedTag, WithholdableExportField } from './simulator-export.types.js';

/** The export-related options of a corp (`SimulatedCorpOptions`). */
interface ExportCorpOptions {
  tags?: SimulatedTag[];
  console?: SimulatedConsoleCallback;
  withheldFields?: WithholdableExportField[];
}

const WITHHOLDABLE = new Set(['avatar', 'gender', 'mobile', 'email', 'biz_mail', 'qr_code', 'address']);

/**
 * Checks a corp's export-related options (`tags`, `console`, `withheldFields`) against its departments and
 * (lower-cased) userids, adding each problem found to `problems`.
 */
export function checkExportCorpOptions(
  corp: ExportCorpOptions,
  at: string,
  departments: ReadonlyMap<number, number>,
  userids: ReadonlySet<string>,
  problems: string[],
): void {
  const tagIds = new Set<number>();
  (corp?.tags ?? []).forEach((tag, i) => {
    const field = `${at}.tags[${i}]`;
    if (!Number.isInteger(tag?.tagid) || tag.tagid < 1) problems.push(`${field}.tagid: must be an integer ≥ 1`);
    else if (tagIds.has(tag.tagid)) problems.push(`${field}.tagid: ${tag.tagid} is listed twice`);
    else tagIds.add(tag.tagid);
    if (typeof tag?.tagname !== 'string' || tag.tagname === '') {
      problems.push(`${field}.tagname: must be a non-empty string`);
    }
    for (const userid of tag?.userids ?? []) {
      if (typeof userid !== 'string' || !userids.has(userid.toLowerCase())) {
        problems.push(`${field}.userids: ${String(userid)} is not one of the corp's users`);
      }
    }
    for (const id of tag?.partyids ?? []) {
      if (!departments.has(id)) problems.push(`${field}.partyids: department ${String(id)} does not exist`);
    }
  });

  const console = corp?.console;
  if (console !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(console?.url);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      problems.push(`${at}.console.url: must be an http(s) URL`);
    }
    if (typeof console?.token !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(console.token)) {
      problems.push(`${at}.console.token: must be 1–32 letters or digits`);
    }
    if (!isEncodingAesKey(console?.encodingAESKey)) {
      problems.push(`${at}.console.encodingAESKey: must be 43 letters or digits`);
    }
  }

  for (const field of corp?.withheldFields ?? []) {
    if (!WITHHOLDABLE.has(field)) {
      problems.push(`${at}.withheldFields: ${String(field)} is not one of ${[...WITHHOLDABLE].join(', ')}`);
    }
  }
}

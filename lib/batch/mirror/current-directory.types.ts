import type { ComparableDepartment, ComparableMember } from './comparable.util.js';
import type { DirectoryFingerprint } from './mirror-plan.types.js';

/** WeCom's directory as read for a plan. */
export interface CurrentDirectory {
  /** The exports, or the ID lists after 48009 (ids, memberships and the tree only). */
  source: 'export' | 'id-lists';
  /** Keyed by lower-cased userid (WeCom compares userids ignoring case). */
  members: Map<string, ComparableMember>;
  departments: Map<number, ComparableDepartment>;
  fingerprint: DirectoryFingerprint;
  readAt: Date;
}

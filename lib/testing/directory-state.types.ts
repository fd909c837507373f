import type { SimulatedDepartment, SimulatedMember } from './simulator.types.js';

/** The contacts of one simulated corp, as the import rules read and change them. */
export interface DirectoryState {
  readonly departments: Map<number, SimulatedDepartment>;
  /** Keyed by lower-cased userid: WeCom's uniqueness check ignores case. */
  readonly members: Map<string, SimulatedMember>;
  /** Departments a replaceparty left out that still had members or children. */
  readonly pendingDeletion: Set<number>;
  /** UserID of the corp's creator, never deleted by replaceuser. */
  readonly creator: string | undefined;
  /** Extended attributes the corp has created. */
  readonly extAttrs: ReadonlySet<string>;
}

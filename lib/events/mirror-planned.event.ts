/** Counts of one kind of entry in a plan or a drift. Never names, userids or contact fields. */
export interface MirrorCounts {
  creates: number;
  updates: number;
  moves: number;
  deletes: number;
  unchanged: number;
}

/** Payload of `wecom.batch.mirror.planned`: a directory plan was computed. Counts only. */
export class MirrorPlannedEvent {
  corpId!: string;
  /** How the current directory was read: the exports, or the ID lists after 48009. */
  source!: 'export' | 'id-lists';
  /** Absent when no desired members were given. */
  members?: MirrorCounts;
  /** Absent when no desired departments were given. */
  departments?: MirrorCounts;
  /** Fields that could not be compared, summed over entries. */
  notCompared!: number;
  /** Whether WeCom's 45026 guard would refuse a replace of these members, and which rule fired. */
  deletionGuard!: { wouldTrigger: boolean; rule: string | null };
  /** The deletion limits the plan breaks under the options it was planned with (`maxDeletes`, …). */
  guardViolations!: string[];
  /** How long reading and comparing took. */
  durationMs!: number;

  constructor(init: MirrorPlannedEvent) {
    Object.assign(this, init);
  }
}

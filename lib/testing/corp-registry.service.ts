import { SimulatedCorpDirectory } from './simulated-directory.store.js';
import type { SimulatedCorpOptions } from './simulator.options.js';
import type { CorpState } from './simulator-state.types.js';
import { WeComSimulatorError } from './wecom-simulator.error.js';

/** The corps the simulator hosts, built from the start options. */
export class CorpRegistry {
  private readonly corps = new Map<string, CorpState>();

  constructor(corps: readonly SimulatedCorpOptions[]) {
    for (const corp of corps) {
      this.corps.set(corp.corpId, {
        options: corp,
        secrets: new Set(Array.isArray(corp.corpSecret) ? corp.corpSecret : [corp.corpSecret]),
        // Tags given with their members count as existing tags for batch/invite too.
        tagIds: new Set([...(corp.tagIds ?? []), ...(corp.tags ?? []).map((t) => t.tagid)]),
        tags: new Map((corp.tags ?? []).map((t) => [t.tagid, structuredClone(t)])),
        exportJobs: [],
        exportJobsById: new Map(),
        detailReadsRestricted: false,
        listings: new Map(),
        directory: new SimulatedCorpDirectory(
          corp.corpId,
          corp.creator,
          new Set(corp.extAttrs ?? []),
          corp.departments ?? [],
          corp.users ?? [],
        ),
        tokenFetches: 0,
        uploads: new Map(),
        jobs: [],
        jobsById: new Map(),
        invitations: [],
      });
    }
  }

  /** The corp `corpId` (the first corp when undefined); throws a `WeComSimulatorError` for an unknown id. */
  get(corpId?: string): CorpState {
    const corp = corpId === undefined ? this.corps.values().next().value : this.corps.get(corpId);
    if (!corp) {
      throw new WeComSimulatorError(
        `Unknown corp ${String(corpId)}; the simulator hosts ${[...this.corps.keys()].join(', ')}`,
      );
    }
    return corp;
  }

  /** The corp `corpId`, or undefined (a request naming an unknown corp is WeCom's 40013, not misuse). */
  find(corpId: string): CorpState | undefined {
    return this.corps.get(corpId);
  }

  /** Every corp, or only `corpId`. */
  select(corpId?: string): CorpState[] {
    return corpId === undefined ? [...this.corps.values()] : [this.get(corpId)];
  }
}

import { WeComBatchError } from './wecom-batch.error.js';

/** One invalid option: its dotted path (e.g. `callback.encodingAESKey`) and what is wrong with it. */
export interface WeComConfigProblem {
  field: string;
  message: string;
}

/**
 * The module is configured wrongly: thrown at bootstrap (the app does not start) for invalid options or a
 * missing dependency, and at run time for WeCom answers that mean a configuration problem
 * (bad secret 40001, wrong CorpID 40013, untrusted IP 60020, wrong secret type 48002, …).
 */
export class WeComConfigError extends WeComBatchError {
  /** Every problem found, each naming its field. Empty when the error is not about a single option. */
  readonly problems: readonly WeComConfigProblem[];

  constructor(message: string, problems: readonly WeComConfigProblem[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.problems = problems;
  }
}

import { WeComBatchError } from '../errors/wecom-batch.error.js';

/**
 * The simulator was misused: invalid start options (listing every problem), an unknown corp id passed to an
 * inspection method, or a fault-injection call with bad arguments. WeCom-side errors never throw; they are
 * answered over HTTP like WeCom does.
 */
export class WeComSimulatorError extends WeComBatchError {
  /** Each problem found, e.g. `corps[0].users[2].departments: department 7 does not exist`. */
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = []) {
    super(problems.length ? `${message}:\n${problems.map((p) => `  - ${p}`).join('\n')}` : message);
    this.problems = problems;
  }
}

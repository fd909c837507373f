import { WeComBatchError } from './wecom-batch.error.js';

/**
 * A `replaceUsers` / `replaceDepartments` file is larger than WeCom's media limit (`mediaLimitBytes`). Thrown
 * before anything is uploaded. A replace cannot be split: each `replace_*` job makes the directory exactly its
 * file, so a second part would delete what the first one created. For a directory this large use
 * `mirrorDirectory` (split `syncUsers` jobs, then `user/batchdelete` for the members to remove), or
 * `syncUsers`, which splits by itself.
 */
export class WeComFileTooLargeError extends WeComBatchError {
  constructor(
    /** The job type that was refused (`replace_user`, `replace_party`). */
    readonly jobType: string,
    /** Size of the CSV, in bytes. */
    readonly bytes: number,
    /** The limit it exceeds (`mediaLimitBytes`). */
    readonly limitBytes: number,
  ) {
    super(
      `the ${jobType} file is ${bytes} bytes, over the ${limitBytes}-byte media limit (mediaLimitBytes; WeCom ` +
        'accepts at most 20 MB); a replace cannot be split (each part would delete what the others import) — ' +
        'nothing was uploaded. For a directory this large use mirrorDirectory (split syncUsers jobs plus ' +
        'user/batchdelete), or syncUsers, which splits the file into several jobs',
    );
  }
}

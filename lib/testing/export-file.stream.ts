import { createHash } from 'node:crypto';
import { documentPieces } from './export-document.writer.js';
import { ExportFileEncryptor } from './export-file.cipher.js';
import type { ExportJobState } from './simulator-state.types.js';
import { TimeSlicer } from './time-slice.util.js';

/**
 * The ciphertext of file `index` of `job`, in pieces, computed afresh from the job's captured source each time
 * (the simulator keeps no file bytes: a 1,000,000-member export costs no memory between downloads; the same
 * source, key and IV give the same bytes every time). Yields to the event loop between pieces once a time slice
 * is spent.
 */
export async function* fileCiphertext(job: ExportJobState, index: number): AsyncGenerator<Buffer> {
  const { start, end } = job.blocks[index];
  const encryptor = new ExportFileEncryptor(job.aesKey);
  const slicer = new TimeSlicer(undefined, 1);
  for (const piece of documentPieces(job.source, start, end)) {
    const bytes = encryptor.update(piece);
    if (bytes.length) yield bytes;
    await slicer.tick();
  }
  yield encryptor.final();
}

/** `size` and `md5` of file `index`'s ciphertext, as `get_result` reports them (computed in time slices). */
export async function describeFile(job: ExportJobState, index: number): Promise<{ size: number; md5: string }> {
  const hash = createHash('md5');
  let size = 0;
  for await (const bytes of fileCiphertext(job, index)) {
    hash.update(bytes);
    size += bytes.length;
  }
  return { size, md5: hash.digest('hex') };
}

import { randomBytes } from 'node:crypto';
import { parseMultipart } from './multipart.parser.js';
import type { Answer, CorpState, HandlerRequest } from './simulator-state.types.js';

const MB = 1024 * 1024;
/** Upload size limits per media `type` [spec §3]. */
const MEDIA_LIMITS: Readonly<Record<string, number>> = { file: 20 * MB, image: 10 * MB, video: 10 * MB, voice: 2 * MB };
/** Largest upload body read into memory: the 20 MB file plus the multipart framing. */
export const UPLOAD_BODY_CAP = 20 * MB + 64 * 1024;

/** `media/upload`: WeCom's size rules per type, then a temporary media id that expires after `mediaTtlMs`. */
export class MediaHandler {
  constructor(
    private readonly mediaTtlMs: number,
    private readonly now: () => number,
  ) {}

  /** Answers `media/upload?type=…` with a multipart body whose field `media` is the file. */
  upload(corp: CorpState, { query, contentType, body, fail }: HandlerRequest): Answer {
    const type = query.type;
    const limit = type === undefined ? undefined : MEDIA_LIMITS[type];
    if (limit === undefined) return fail(40005, 'invalid media type: type must be image, voice, video or file');
    if (!body.bytes) return fail(45001, `media size out of limit: the ${type} limit is ${limit} bytes`);
    if (body.bytes.length === 0) return fail(44001);
    const parts = parseMultipart(contentType, body.bytes);
    if (!parts) return fail(44001, 'empty media data: the body is not multipart/form-data');
    const media =
      parts.find((p) => p.name === 'media' && p.filename !== undefined) ?? parts.find((p) => p.name === 'media');
    if (!media) return fail(41005, 'media data missing: no multipart field named "media"');
    if (media.data.length <= 5) return fail(40006, 'invalid file size: a file must be larger than 5 bytes');
    if (media.data.length > limit) return fail(45001, `media size out of limit: the ${type} limit is ${limit} bytes`);

    const mediaId = `3${randomBytes(42).toString('base64url')}`;
    const createdAt = this.now();
    corp.uploads.set(mediaId, {
      mediaId,
      type,
      filename: media.filename,
      contentType: media.contentType,
      bytes: Buffer.from(media.data),
      createdAt,
      expiresAt: createdAt + this.mediaTtlMs,
    });
    return {
      status: 200,
      body: { errcode: 0, errmsg: 'ok', type, media_id: mediaId, created_at: String(Math.floor(createdAt / 1000)) },
    };
  }
}

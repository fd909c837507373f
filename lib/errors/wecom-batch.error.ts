/**
 * Base class of every error this module throws, so apps can `catch (e) { if (e instanceof WeComBatchError) … }`.
 * Messages never contain the corp secret, an access token, the callback token or the EncodingAESKey.
 */
export class WeComBatchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

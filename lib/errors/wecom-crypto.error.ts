import { WeComBatchError } from './wecom-batch.error.js';

/**
 * The return codes of WeCom's official WXBizMsgCrypt libraries (library-local codes, not API errcodes:
 * note -40001 vs the API's 40001).
 */
export const WECOM_CRYPTO_ERROR_CODES = {
  /** 签名验证错误 — signature mismatch */
  VALIDATE_SIGNATURE: -40001,
  /** xml 解析失败 */
  PARSE_XML: -40002,
  /** sha 加密生成签名失败 */
  COMPUTE_SIGNATURE: -40003,
  /** AESKey 非法 — EncodingAESKey is not 43 characters / does not decode to 32 bytes */
  ILLEGAL_AES_KEY: -40004,
  /** ReceiveId (corpid) 校验错误 */
  VALIDATE_RECEIVE_ID: -40005,
  /** AES 加密失败 */
  ENCRYPT_AES: -40006,
  /** AES 解密失败 — also: ciphertext not a multiple of the block, bad PKCS#7 padding */
  DECRYPT_AES: -40007,
  /** 解密后得到的buffer非法 — declared length overruns the buffer, bad UTF-8 */
  ILLEGAL_BUFFER: -40008,
  /** base64 加密失败 */
  ENCODE_BASE64: -40009,
  /** base64 解密失败 */
  DECODE_BASE64: -40010,
  /** 生成 xml 失败 */
  GEN_RETURN_XML: -40011,
} as const;

/** One of the values of {@link WECOM_CRYPTO_ERROR_CODES}. */
export type WeComCryptoErrorCode = (typeof WECOM_CRYPTO_ERROR_CODES)[keyof typeof WECOM_CRYPTO_ERROR_CODES];

/** A callback could not be verified, decrypted or encrypted. `code` is the official library code. */
export class WeComCryptoError extends WeComBatchError {
  constructor(
    /** The official WXBizMsgCrypt return code (-40001 … -40011). */
    readonly code: WeComCryptoErrorCode,
    message: string,
  ) {
    super(`${message} (${code})`);
  }
}

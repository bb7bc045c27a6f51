/**
 * Seals tokens at rest with AES-256-GCM (NIST SP 800-38D): a fresh 96-bit IV per seal, the
 * record's id as additional authenticated data so a sealed blob cannot be moved to another
 * record, and a key id so keys can rotate: the first key seals, any configured key opens.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { BffError } from '../errors.js';

const VERSION = 'v1';

function sealingFailed(message: string, cause?: unknown): BffError {
  return new BffError('sealing_failed', message, cause === undefined ? {} : { cause });
}

export class TokenSealer {
  readonly #keys: Map<string, Buffer>;
  readonly #current: string;

  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new TypeError('at least one sealing key is required');
    this.#keys = new Map();
    for (const key of keys) {
      if (key.length !== 32) throw new TypeError('sealing keys must be 32 bytes');
      this.#keys.set(createHash('sha256').update(key).digest('base64url').slice(0, 8), key);
    }
    this.#current = [...this.#keys.keys()][0] ?? '';
  }

  /** Encrypts `plaintext`, bound to `context` (the record id). */
  seal(plaintext: string, context: string): string {
    const key = this.#keys.get(this.#current);
    if (!key) throw sealingFailed('no sealing key');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return [VERSION, this.#current, iv.toString('base64url'), body.toString('base64url')].join('.');
  }

  /** Decrypts a sealed value; throws `sealing_failed` if it was tampered with or the key is gone. */
  open(sealed: string, context: string): string {
    const [version, keyId = '', iv = '', body = ''] = sealed.split('.');
    const key = this.#keys.get(keyId);
    if (version !== VERSION || !key) throw sealingFailed('sealed with an unknown key or format');
    const bytes = Buffer.from(body, 'base64url');
    if (bytes.length < 16) throw sealingFailed('sealed value is truncated');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([
        decipher.update(bytes.subarray(0, bytes.length - 16)),
        decipher.final(),
      ]).toString('utf8');
    } catch (error) {
      throw sealingFailed('sealed value does not authenticate', error);
    }
  }
}

/**
 * Session handles: 256 random bits (ASVS 7.2.3 asks for at least 128), given to the page and
 * stored only as their SHA-256, so a copy of the store cannot be replayed as handles and a lookup
 * by hash leaks nothing useful through timing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const HANDLE = /^[A-Za-z0-9_-]{43}$/;

export function createHandle(): string {
  return randomBytes(32).toString('base64url');
}

export function isWellFormedHandle(value: string): boolean {
  return HANDLE.test(value);
}

/** The id a handle is stored under. */
export function hashSecret(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** Compares two secrets' hashes in constant time. */
export function secretsMatch(value: string, expectedHash: string): boolean {
  const actual = Buffer.from(hashSecret(value));
  const expected = Buffer.from(expectedHash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

const PUBLIC_SESSION_ID = /^ses_[A-Za-z0-9_-]{43}$/;

/**
 * The session's stable, non-secret id, as the partner's server, webhooks and logs name it: `ses_`
 * and the store id (the handle's SHA-256), which cannot be turned back into the handle and opens
 * nothing on the browser routes. It stays the same when the consent is renewed.
 */
export function toPublicSessionId(storeId: string): string {
  return `ses_${storeId}`;
}

/** The store id a public session id names, or undefined when the text is not one. */
export function fromPublicSessionId(value: string): string | undefined {
  return PUBLIC_SESSION_ID.test(value) ? value.slice('ses_'.length) : undefined;
}

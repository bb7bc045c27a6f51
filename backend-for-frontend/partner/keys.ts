/**
 * Partner API keys: how the partner's server proves itself on `/partner/v1`. A key is `bcp_` and
 * 256 random bits; the BFF's configuration holds only each key's name and SHA-256, so neither a
 * copy of the settings nor a log can be replayed as a key. Several keys may be valid at once:
 * rotating one is adding the new key's entry, moving the partner's server to it, then removing
 * the old entry. A 256-bit random key needs no slow hash: nobody can search for a preimage.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY = /^bcp_[A-Za-z0-9_-]{43}$/;
/** An entry of `BFF_PARTNER_KEYS`: `<name>:<SHA-256 of the key, base64url>`. */
const ENTRY = /^([a-z0-9][a-z0-9._-]{0,39}):([A-Za-z0-9_-]{43})$/;

export interface PartnerKey {
  /** Which key it is, for logs and rotation; never the key. */
  name: string;
  /** SHA-256 of the key. */
  hash: Buffer;
}

/** A new key and the settings entry that lets it in. */
export function createPartnerKey(name: string): { key: string; entry: string } {
  if (!ENTRY.test(`${name}:${'A'.repeat(43)}`)) {
    throw new Error(
      'the key name is 1 to 40 lower-case letters, digits, dots, dashes or underscores',
    );
  }
  const key = `bcp_${randomBytes(32).toString('base64url')}`;
  return { key, entry: `${name}:${hashPartnerKey(key).toString('base64url')}` };
}

export function hashPartnerKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Whether the text has the shape of a partner key (it may still be wrong or revoked). */
export function looksLikePartnerKey(value: string): boolean {
  return KEY.test(value);
}

/**
 * Reads `BFF_PARTNER_KEYS` entries; throws a message naming the first bad one (by position: an
 * entry is not secret, but a pasted key in its place would be).
 */
export function parsePartnerKeys(entries: readonly string[]): PartnerKey[] {
  const keys: PartnerKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const match = ENTRY.exec(entry);
    if (!match?.[1] || !match[2]) {
      throw new Error(
        looksLikePartnerKey(entry)
          ? `entry ${index + 1} is a key, not its hash: put <name>:<sha256> here (npm run partner-key)`
          : `entry ${index + 1} must be <name>:<SHA-256 of the key in base64url>`,
      );
    }
    if (keys.some((key) => key.name === match[1])) {
      throw new Error(`entry ${index + 1}: the name ${match[1]} is used twice`);
    }
    keys.push({ name: match[1], hash: Buffer.from(match[2], 'base64url') });
  }
  return keys;
}

/**
 * The configured key the presented one is, or undefined. Every entry is compared, in constant
 * time, so the answer's timing says nothing of which keys exist.
 */
export function findPartnerKey(
  presented: string,
  keys: readonly PartnerKey[],
): PartnerKey | undefined {
  const hash = hashPartnerKey(presented);
  let found: PartnerKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(hash, key.hash) && found === undefined) found = key;
  }
  return found;
}

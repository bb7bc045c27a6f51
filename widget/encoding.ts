/*
 * Base64url, random values and SHA-256 with Web Crypto: what PKCE (authorization/secrets.ts) and
 * DPoP proofs (dpop/) both need, in one place so that the consent chunk carries them once.
 */

/** Base64url without padding (RFC 4648 §5, RFC 7515 §2) of a binary string: one byte a character. */
function encodeBinary(binary: string): string {
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Base64url without padding of bytes (RFC 4648 §5, RFC 7515 §2). */
export function encodeBase64Url(bytes: ArrayBuffer | Uint8Array): string {
  return encodeBinary(String.fromCharCode(...new Uint8Array(bytes)));
}

/**
 * Base64url of a value's JSON: a JWS header or payload (RFC 7515 §3). The widget's claims are
 * ASCII (URLs serialise percent-encoded, RFC 9449 §8 nonces are ASCII), which is their UTF-8.
 */
export function encodeJson(value: unknown): string {
  return encodeBinary(JSON.stringify(value));
}

/** 32 bytes from the platform's CSPRNG, base64url: 43 characters, 256 bits. */
export function generateRandomValue(): string {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * BASE64URL(SHA-256(text)): the S256 code challenge of RFC 7636 §4.2, and the `ath` of a DPoP
 * proof, RFC 9449 §4.2 (for the ASCII texts both hash, UTF-8 is ASCII).
 */
export async function hashBase64Url(text: string): Promise<string> {
  return encodeBase64Url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

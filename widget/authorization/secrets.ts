import { generateRandomValue, hashBase64Url } from '../encoding.js';

/** The per-flow secrets of an authorization request; they never leave this browser except to the BFF. */
export interface AuthorizationSecrets {
  /** RFC 6749 §10.12: one-time, unguessable, bound to this browser. */
  state: string;
  /** RFC 7636 §4.1: 32 random bytes, base64url (43 characters, RFC 7636 §7.1). */
  codeVerifier: string;
  /** RFC 7636 §4.2: BASE64URL(SHA-256(codeVerifier)). */
  codeChallenge: string;
}

/** The S256 code challenge of a verifier (RFC 7636 §4.2), with Web Crypto. */
export { hashBase64Url as calculateCodeChallenge };

/** Generates `state` and a PKCE S256 pair (RFC 7636 §4.1–4.2) with Web Crypto. */
export async function createAuthorizationSecrets(): Promise<AuthorizationSecrets> {
  const codeVerifier = generateRandomValue();
  return {
    state: generateRandomValue(),
    codeVerifier,
    codeChallenge: await hashBase64Url(codeVerifier),
  };
}

import {
  calculatePKCECodeChallenge,
  generateRandomCodeVerifier,
  generateRandomState,
} from 'oauth4webapi';

/** The per-flow secrets of an authorization request; they never leave this browser except to the BFF. */
export interface AuthorizationSecrets {
  /** RFC 6749 §10.12: one-time, unguessable, bound to this browser. */
  state: string;
  /** RFC 7636 §4.1: 32 random bytes, base64url. */
  codeVerifier: string;
  /** RFC 7636 §4.2: BASE64URL(SHA-256(codeVerifier)). */
  codeChallenge: string;
}

/** Generates `state` and a PKCE S256 pair (RFC 7636 §4.1–4.2) with Web Crypto, via oauth4webapi. */
export async function createAuthorizationSecrets(): Promise<AuthorizationSecrets> {
  const codeVerifier = generateRandomCodeVerifier();
  return {
    state: generateRandomState(),
    codeVerifier,
    codeChallenge: await calculatePKCECodeChallenge(codeVerifier),
  };
}

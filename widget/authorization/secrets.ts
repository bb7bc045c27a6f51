/** The per-flow secrets of an authorization request; they never leave this browser except to the BFF. */
export interface AuthorizationSecrets {
  /** RFC 6749 §10.12: one-time, unguessable, bound to this browser. */
  state: string;
  /** RFC 7636 §4.1: 32 random bytes, base64url. */
  codeVerifier: string;
  /** RFC 7636 §4.2: BASE64URL(SHA-256(codeVerifier)). */
  codeChallenge: string;
}

/** Base64url without padding (RFC 7636 Appendix A, RFC 4648 §5). */
function encodeBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** 32 bytes from the platform's CSPRNG, base64url: 43 characters (RFC 7636 §7.1). */
function generateRandomValue(): string {
  return encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The S256 code challenge of a verifier (RFC 7636 §4.2), with Web Crypto. */
export async function calculateCodeChallenge(codeVerifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier));
  return encodeBase64Url(new Uint8Array(digest));
}

/** Generates `state` and a PKCE S256 pair (RFC 7636 §4.1–4.2) with Web Crypto. */
export async function createAuthorizationSecrets(): Promise<AuthorizationSecrets> {
  const codeVerifier = generateRandomValue();
  return {
    state: generateRandomValue(),
    codeVerifier,
    codeChallenge: await calculateCodeChallenge(codeVerifier),
  };
}

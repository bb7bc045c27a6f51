import { encodeBase64Url, encodeJson, generateRandomValue, hashBase64Url } from '../encoding.js';
import { loadDpopKey } from './dpop-key.js';

/** What one proof is for. */
export interface ProofClaims {
  /** The request's method, upper-case. */
  htm: string;
  /** The request's absolute URL without query and fragment. */
  htu: string;
  /** The session handle the request carries in `Authorization`: its hash becomes `ath`. */
  handle?: string | undefined;
  /** The BFF's last `DPoP-Nonce`, if it gave one. */
  nonce?: string | undefined;
}

/**
 * Signs a DPoP proof (RFC 9449 §4.2): a compact JWS (RFC 7515 §3.1) of type `dpop+jwt`, ES256,
 * with the public half of the page's key in its header. Web Crypto's ECDSA signature is already
 * the 64-byte R || S that JWS ES256 wants (RFC 7518 §3.4).
 */
export async function createDpopProof(claims: ProofClaims): Promise<string> {
  const { privateKey, publicKey } = await loadDpopKey();
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  const payload: Record<string, unknown> = {
    jti: generateRandomValue(),
    htm: claims.htm,
    htu: claims.htu,
    iat: Math.floor(Date.now() / 1000),
  };
  if (claims.handle) payload.ath = await hashBase64Url(claims.handle);
  if (claims.nonce) payload.nonce = claims.nonce;
  const input = `${encodeJson({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } })}.${encodeJson(payload)}`;
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${encodeBase64Url(signature)}`;
}

/**
 * The partner page's DPoP key, for tests that play the page from Node: an ES256 key pair and
 * proofs signed with it (RFC 9449 §4.2), each claim overridable so that tests can forge the bad
 * ones a real attacker would send.
 */
import { createHash, KeyObject, randomBytes, sign } from 'node:crypto';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
} from 'jose';

export interface ProofClaims {
  htm: string;
  htu: string;
  iat?: number;
  jti?: string;
  /** The handle the proof goes with: its hash becomes `ath`. */
  handle?: string;
  nonce?: string;
  /** Extra or replaced payload members. */
  extra?: Record<string, unknown>;
}

export interface TestDpopKey {
  publicJwk: JWK;
  /** RFC 7638 thumbprint: what the BFF binds sessions to. */
  jkt: string;
  sign(claims: ProofClaims, header?: Partial<JWTHeaderParameters>): Promise<string>;
  /**
   * The same proof, signed synchronously with node:crypto: for load generators (autocannon's
   * `setupRequest`) that must sign a fresh proof for every request they send.
   */
  signSync(claims: ProofClaims): string;
  /**
   * Any header and payload (the header gets this key's `jwk`), truly signed by this key: for
   * proofs whose signature verifies but whose form does not. `der`: the signature in DER, not the
   * JOSE R‖S form.
   */
  signRaw(header: Record<string, unknown>, payload: unknown, options?: { der?: boolean }): string;
}

export function hashHandle(handle: string): string {
  return createHash('sha256').update(handle, 'ascii').digest('base64url');
}

export async function createDpopKey(): Promise<TestDpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const keyObject = KeyObject.from(privateKey);
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  // Encoded once: the load generators sign thousands of proofs with this header.
  const encodedHeader = part({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk });
  /** The compact JWS of two encoded parts, signed in the JOSE R‖S form unless `der`. */
  const compact = (header: string, payload: string, der = false) => {
    const input = `${header}.${payload}`;
    const signature = sign('sha256', Buffer.from(input), {
      key: keyObject,
      dsaEncoding: der ? 'der' : 'ieee-p1363',
    });
    return `${input}.${signature.toString('base64url')}`;
  };
  return {
    publicJwk,
    jkt: await calculateJwkThumbprint(publicJwk, 'sha256'),
    sign: (claims, header = {}) => signProof(privateKey, publicJwk, claims, header),
    signSync: (claims) => compact(encodedHeader, part(toPayload(claims))),
    signRaw: (header, payload, options = {}) =>
      compact(part({ jwk: publicJwk, ...header }), part(payload), options.der),
  };
}

function toPayload(claims: ProofClaims): Record<string, unknown> {
  return {
    htm: claims.htm,
    htu: claims.htu,
    iat: claims.iat ?? Math.floor(Date.now() / 1000),
    jti: claims.jti ?? randomBytes(16).toString('base64url'),
    ...(claims.handle === undefined ? {} : { ath: hashHandle(claims.handle) }),
    ...(claims.nonce === undefined ? {} : { nonce: claims.nonce }),
    ...claims.extra,
  };
}

async function signProof(
  privateKey: CryptoKey,
  jwk: JWK,
  claims: ProofClaims,
  header: Partial<JWTHeaderParameters>,
): Promise<string> {
  return new SignJWT(toPayload(claims))
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...header })
    .sign(privateKey);
}

/** A JWS with any header and payload and the given signature bytes: for `alg: none` and friends. */
export function forgeJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  signature = '',
): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}

/**
 * DPoP proofs (RFC 9449): the page proves, on every call, that it holds the private key its
 * session handle is bound to. The key is a non-extractable WebCrypto key in the customer's
 * browser, so a handle copied out of the page (one XSS, a log, a shared screen) opens nothing
 * from anywhere else.
 *
 * A proof is checked here in the order of RFC 9449 §4.3: one `DPoP` header, a JWS of type
 * `dpop+jwt` signed with ES256 by the public JWK in its header (never a private or a symmetric
 * key), `htm` and `htu` of this very request, `iat` within the window, `ath` the hash of the
 * handle it comes with, the server nonce when one is required, and a `jti` never seen before
 * within the proof's life, across every instance sharing the store.
 */
import { createHash, createHmac, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { Request } from 'express';
import { calculateJwkThumbprint, decodeProtectedHeader } from 'jose';
import { BffError } from '../errors.js';

/** ES256 only: what WebCrypto's P-256 keys sign, and all the widget ever sends. */
export const DPOP_ALGORITHMS = ['ES256'] as const;
/** A proof is a short JWS; anything longer is refused before it is parsed. */
export const MAX_PROOF_LENGTH = 4096;
const JTI = /^[\x21-\x7e]{16,128}$/;
const NONCE_BUCKET_MS = 5 * 60_000;
/**
 * Public keys already imported, with their thumbprints: a page signs every call with one key, and
 * importing a JWK costs more than the signature check (bench: `npm run bench -- --only=verify`).
 * A bounded map, oldest out first; a flood of new keys costs its senders, not the cache's size.
 */
const KEY_CACHE_SIZE = 1_000;

interface ImportedKey {
  key: KeyObject;
  jkt: string;
}

/** What a verified proof tells: the key's thumbprint (RFC 7638), the session is bound to it. */
export interface VerifiedProof {
  jkt: string;
}

/** Records a proof's `jti` until `expiresAt`; false when it was recorded already (a replay). */
export type RecordProof = (id: string, expiresAt: number) => Promise<boolean>;

export interface DpopVerifierOptions {
  /** The BFF's public URL, as the page calls it: `htu` is this and the route's path. */
  publicBase: string;
  windowSeconds: number;
  recordProof: RecordProof;
  /** With a key, proofs must carry a nonce derived from it (`BFF_DPOP_NONCE`). */
  nonceKey?: Buffer | undefined;
  now: () => number;
}

function refuse(message: string): BffError {
  return new BffError('invalid_dpop_proof', message);
}

/** base64url(SHA-256(handle)): the `ath` a proof sent with this handle must carry. */
export function hashAccessToken(handle: string): string {
  return createHash('sha256').update(handle, 'ascii').digest('base64url');
}

/** The `htu` the page must sign for a route of this router: its public base and the path. */
export function publicBaseOf(redirectUri: string): string {
  const url = new URL(redirectUri);
  const base = url.pathname.endsWith('/v1/callback')
    ? url.pathname.slice(0, -'/v1/callback'.length)
    : '';
  return `${url.origin}${base}`;
}

/** The router-relative path of a request, recorded by `recordRoutePath` before any sub-router. */
export function readRoutePath(req: Request): string {
  return ((req.res?.locals as { routePath?: string } | undefined)?.routePath ?? req.path) || '/';
}

export class DpopVerifier {
  readonly #options: DpopVerifierOptions;
  readonly #keys = new Map<string, ImportedKey>();

  constructor(options: DpopVerifierOptions) {
    this.#options = options;
  }

  get requiresNonce(): boolean {
    return this.#options.nonceKey !== undefined;
  }

  /**
   * The nonce of the current five-minute period: stateless (an HMAC of the period under a key
   * every instance shares), so any instance accepts another's, and it expires by itself.
   */
  currentNonce(): string | undefined {
    return this.#nonceAt(Math.floor(this.#options.now() / NONCE_BUCKET_MS));
  }

  #nonceAt(bucket: number): string | undefined {
    const key = this.#options.nonceKey;
    if (!key) return undefined;
    return createHmac('sha256', key)
      .update(`dpop-nonce:${bucket}`)
      .digest('base64url')
      .slice(0, 32);
  }

  #acceptsNonce(nonce: unknown): boolean {
    if (typeof nonce !== 'string') return false;
    const bucket = Math.floor(this.#options.now() / NONCE_BUCKET_MS);
    return nonce === this.#nonceAt(bucket) || nonce === this.#nonceAt(bucket - 1);
  }

  /**
   * Verifies the request's `DPoP` header; undefined when it has none. `handle` is the session
   * handle the request carries in `Authorization`, whose hash the proof must name in `ath`.
   */
  async verify(req: Request, handle: string | undefined): Promise<VerifiedProof | undefined> {
    const raw = req.headers.dpop;
    if (raw === undefined) return undefined;
    if (Array.isArray(raw) || raw.includes(',')) throw refuse('send exactly one DPoP header');
    if (raw.length > MAX_PROOF_LENGTH) {
      throw refuse(`the DPoP proof is longer than ${MAX_PROOF_LENGTH} characters`);
    }
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(raw);
    } catch {
      throw refuse('the DPoP header is not a JWS');
    }
    if (header.typ !== 'dpop+jwt') throw refuse('the proof’s typ must be dpop+jwt');
    // RFC 7515 §4.1.11: no extension is understood here, so none may be critical (nor `b64`).
    if (header.crit !== undefined || 'b64' in header) {
      throw refuse('the proof uses a JWS extension this server does not support');
    }
    if (!DPOP_ALGORITHMS.includes(header.alg as (typeof DPOP_ALGORITHMS)[number])) {
      throw refuse('the proof must be signed with ES256');
    }
    const jwk = header.jwk;
    if (!jwk || typeof jwk !== 'object') throw refuse('the proof’s header must carry its jwk');
    if ('d' in jwk || 'p' in jwk || 'k' in jwk) {
      throw refuse('the proof’s jwk must be a public key, without private members');
    }
    if (
      jwk.kty !== 'EC' ||
      jwk.crv !== 'P-256' ||
      typeof jwk.x !== 'string' ||
      typeof jwk.y !== 'string'
    ) {
      throw refuse('the proof’s jwk must be a P-256 public key');
    }
    const imported = await this.#importKey(jwk.x, jwk.y);
    const payload = verifyCompactEs256(raw, imported.key);
    const { now, windowSeconds, publicBase } = this.#options;
    if (payload.htm !== req.method)
      throw refuse(`the proof is for ${String(payload.htm)}, not ${req.method}`);
    if (!sameTarget(payload.htu, `${publicBase}${readRoutePath(req)}`)) {
      throw refuse('the proof’s htu is not this request’s URL');
    }
    const iat = payload.iat;
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw refuse('the proof has no iat');
    const nowSeconds = now() / 1000;
    if (iat < nowSeconds - windowSeconds) throw refuse('the proof has expired: sign a new one');
    if (iat > nowSeconds + windowSeconds) throw refuse('the proof is issued in the future');
    if (typeof payload.jti !== 'string' || !JTI.test(payload.jti)) {
      throw refuse('the proof’s jti must be 16 to 128 visible characters');
    }
    if (handle !== undefined && payload.ath !== hashAccessToken(handle)) {
      throw refuse('the proof’s ath is not the hash of the handle it comes with');
    }
    if (this.requiresNonce && !this.#acceptsNonce(payload.nonce)) {
      throw new BffError('use_dpop_nonce', 'sign the proof again with the nonce in DPoP-Nonce');
    }
    const { jkt } = imported;
    // Kept as long as the proof could be accepted: iat at most `windowSeconds` in the past.
    const expiresAt = Math.ceil((iat + windowSeconds) * 1000);
    const first = await this.#options.recordProof(
      createHash('sha256').update(`${jkt}.${payload.jti}`).digest('base64url'),
      expiresAt,
    );
    if (!first) throw refuse('this proof was used already: sign one per request');
    return { jkt };
  }

  /** The P-256 public key (x, y), checked on the curve by OpenSSL, and its thumbprint: once. */
  async #importKey(x: string, y: string): Promise<ImportedKey> {
    const id = `${x}.${y}`;
    const cached = this.#keys.get(id);
    if (cached) return cached;
    const jwk = { kty: 'EC', crv: 'P-256', x, y };
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk, format: 'jwk' });
    } catch {
      throw refuse('the proof’s jwk is not a P-256 public key');
    }
    const imported = { key, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
    if (this.#keys.size >= KEY_CACHE_SIZE) {
      this.#keys.delete(this.#keys.keys().next().value as string);
    }
    this.#keys.set(id, imported);
    return imported;
  }
}

/** A compact JWS's base64url part: the alphabet only, no padding (RFC 7515 §2). */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Checks a compact JWS's ES256 signature (RFC 7518 §3.4: the 64-byte R‖S form) over its first two
 * parts with `key`, and returns its payload, which must be a JSON object. The header was read and
 * checked by the caller. Node's `crypto.verify` rather than WebCrypto's: the same OpenSSL check,
 * without a job on the thread pool and two promises per proof (bench `verify`).
 */
function verifyCompactEs256(compact: string, key: KeyObject): Record<string, unknown> {
  const parts = compact.split('.');
  const [header = '', body = '', signature = ''] = parts;
  if (parts.length !== 3 || !parts.every((part) => BASE64URL.test(part))) {
    throw refuse('the DPoP header is not a compact JWS');
  }
  const valid = verify(
    'sha256',
    Buffer.from(`${header}.${body}`, 'ascii'),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) throw refuse('the proof’s signature does not verify with its jwk');
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw refuse('the proof’s payload is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw refuse('the proof’s payload is not a JSON object');
  }
  return payload as Record<string, unknown>;
}

/** RFC 9449 §4.3 point 9: the same scheme, host, port and path, the query and fragment aside. */
function sameTarget(htu: unknown, expected: string): boolean {
  if (typeof htu !== 'string' || !URL.canParse(htu)) return false;
  const given = new URL(htu);
  const wanted = new URL(expected);
  return given.origin === wanted.origin && given.pathname === wanted.pathname;
}

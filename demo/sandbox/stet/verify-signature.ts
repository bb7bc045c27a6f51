/**
 * The bank side of STET request signing: draft-cavage-http-signatures-10 §2 with `rsa-sha256`,
 * the `Digest` header of RFC 3230 with SHA-256, and the signed-header set each bank's profile
 * demands (STET 1.4.0.47 Part I §3.5; bank variants in shared/stet/NOTES.md §4).
 *
 * Written independently of the BFF's signer so that a shared misreading of the draft cannot make
 * both sides agree on something no real bank would accept.
 */
import { createHash, createVerify, type KeyObject } from 'node:crypto';

/** Why a signed request was refused; `status` 400 for a malformed request, 401 for a bad proof. */
export class SignatureError extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
  }
}

export interface SignatureParameters {
  keyId: string;
  algorithm: string;
  headers: string[];
  signature: string;
}

/** Parses `keyId="…",algorithm="…",headers="…",signature="…"` (draft-cavage §2.1). */
export function parseSignatureHeader(value: string): SignatureParameters {
  const params = new Map<string, string>();
  const pattern = /\s*([a-zA-Z]+)="([^"]*)"\s*(?:,|$)/y;
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < value.length && (match = pattern.exec(value))) {
    const [, name = '', content = ''] = match;
    if (params.has(name)) throw new SignatureError(400, `signature parameter ${name} is repeated`);
    params.set(name, content);
  }
  if (pattern.lastIndex !== value.length)
    throw new SignatureError(400, 'signature header is malformed');
  const keyId = params.get('keyId');
  const signature = params.get('signature');
  const headers = params.get('headers');
  if (!keyId) throw new SignatureError(400, 'signature keyId is missing');
  if (!signature) throw new SignatureError(400, 'signature value is missing');
  if (!headers) throw new SignatureError(400, 'signature headers parameter is missing');
  return {
    keyId,
    algorithm: params.get('algorithm') ?? '',
    headers: headers.toLowerCase().split(' ').filter(Boolean),
    signature,
  };
}

/** `SHA-256=<base64>` of a body (RFC 3230 §4.3.2, RFC 5843). */
export function computeDigest(body: Buffer): string {
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

export interface SignedRequest {
  method: string;
  /** Path and query exactly as sent. */
  target: string;
  /** Header lookup by lower-case name. */
  header: (name: string) => string | undefined;
  body: Buffer;
}

export interface SignaturePolicy {
  required: string[];
  maxClockSkewSeconds: number;
  /** Finds the public key for a keyId, or undefined when the keyId is not acceptable. */
  resolveKey: (keyId: string) => KeyObject | undefined;
}

/**
 * Verifies the `Digest` and `Signature` of a request, returning the keyId that signed it.
 * Throws a `SignatureError` naming what is wrong.
 */
export function verifyRequestSignature(request: SignedRequest, policy: SignaturePolicy): string {
  const digest = request.header('digest');
  if (digest !== undefined && digest !== computeDigest(request.body)) {
    throw new SignatureError(400, 'digest does not match the body');
  }
  const header = request.header('signature');
  if (!header) throw new SignatureError(400, 'signature header is missing');
  const params = parseSignatureHeader(header);
  if (params.algorithm !== 'rsa-sha256') {
    throw new SignatureError(400, 'signature algorithm must be rsa-sha256');
  }
  for (const name of policy.required) {
    if (!params.headers.includes(name))
      throw new SignatureError(400, `signature must cover ${name}`);
  }
  const lines = params.headers.map((name) => {
    if (name === '(request-target)')
      return `(request-target): ${request.method.toLowerCase()} ${request.target}`;
    const value = request.header(name);
    if (value === undefined) throw new SignatureError(400, `signed header ${name} is missing`);
    return `${name}: ${value.trim()}`;
  });
  const date = request.header('date');
  if (params.headers.includes('date') && date !== undefined) {
    const skew = Math.abs(Date.now() - Date.parse(date)) / 1000;
    if (!(skew <= policy.maxClockSkewSeconds))
      throw new SignatureError(400, 'date header is missing or stale');
  }
  const key = policy.resolveKey(params.keyId);
  if (!key) throw new SignatureError(401, 'signature keyId is not registered');
  const verifier = createVerify('RSA-SHA256');
  verifier.update(lines.join('\n'));
  if (!verifier.verify(key, params.signature, 'base64')) {
    throw new SignatureError(401, 'signature does not verify');
  }
  return params.keyId;
}

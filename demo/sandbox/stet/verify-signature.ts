/**
 * The bank side of STET request signing: draft-cavage-http-signatures-10 §2 with `rsa-sha256`,
 * the `Digest` header of RFC 3230 with SHA-256, and the signed-header set each bank's profile
 * demands (STET 1.4.0.47 Part I §3.5; bank variants in shared/stet/NOTES.md §4).
 *
 * The signature itself (parsing the header, building the signing string, checking the RSA
 * signature) is left to Joyent's `http-signature`, the reference implementation of the draft, so
 * that the sandbox is an oracle that the BFF's signer did not write: a misreading of the draft
 * shared by both sides would otherwise make them agree on something no real bank accepts. What is
 * STET's or the bank's own stays here: which headers must be covered, the Digest check, the keyId.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import type { ClientRequest, IncomingHttpHeaders } from 'node:http';
import httpSignature from 'http-signature';

/** Why a signed request was refused; `status` 400 for a malformed request, 401 for a bad proof. */
export class SignatureError extends Error {
  constructor(
    readonly status: 400 | 401,
    message: string,
  ) {
    super(message);
  }
}

/** `SHA-256=<base64>` of a body (RFC 3230 §4.3.2, RFC 5843). */
export function computeDigest(body: Buffer): string {
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

export interface SignedRequest {
  method: string;
  /** Path and query exactly as sent. */
  target: string;
  /** The headers as Node received them: lower-case names. */
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SignaturePolicy {
  /** Headers the bank wants covered, lower-case, `(request-target)` included. */
  required: string[];
  maxClockSkewSeconds: number;
}

/** A parsed signature, ready to be checked against candidate certificates. */
export interface RequestSignature {
  keyId: string;
  /** The headers it covers, lower-case, in signing order. */
  headers: string[];
  parsed: httpSignature.ParseResponse;
}

/** Turns an `http-signature` error into a refusal, by the error's name. */
function describeLibraryError(error: unknown): SignatureError {
  const { name, message } = error instanceof Error ? error : { name: '', message: '' };
  switch (name) {
    case 'ExpiredRequestError':
      return new SignatureError(400, `date header is stale: ${message}`);
    case 'InvalidParamsError':
      return new SignatureError(400, 'signature algorithm must be rsa-sha256');
    case 'MissingHeaderError':
      return new SignatureError(400, `signed header missing: ${message}`);
    case 'InvalidHeaderError':
      return new SignatureError(400, `signature header is malformed: ${message}`);
    default:
      return new SignatureError(400, 'signature header is malformed');
  }
}

/**
 * Checks the `Digest` of a request and parses its `Signature`, refusing a signature that leaves
 * out a header the bank requires, or any `PSU-*` header the request carries (STET 1.4.0.47 Part I
 * §3.5: "when the header is present: each PSU-* header"). Throws a `SignatureError`.
 */
export function readRequestSignature(
  request: SignedRequest,
  policy: SignaturePolicy,
): RequestSignature {
  const digest = request.headers.digest;
  if (digest !== undefined && digest !== computeDigest(request.body)) {
    throw new SignatureError(400, 'digest does not match the body');
  }
  if (!request.headers.signature) throw new SignatureError(400, 'signature header is missing');
  let parsed: httpSignature.ParseResponse;
  try {
    // The library reads `Authorization` first unless told otherwise; STET's holds the bearer token.
    const options = {
      authorizationHeaderName: 'signature',
      headers: [],
      algorithms: ['rsa-sha256'],
      clockSkew: policy.maxClockSkewSeconds,
      strict: true,
    };
    // It reads only `method`, `url`, `httpVersion` and `headers`: what an IncomingMessage has.
    const message = {
      method: request.method,
      url: request.target,
      httpVersion: '1.1',
      headers: request.headers,
    } as unknown as ClientRequest;
    parsed = httpSignature.parseRequest(message, options);
  } catch (error) {
    throw describeLibraryError(error);
  }
  const covered = parsed.params.headers;
  for (const name of policy.required) {
    if (!covered.includes(name)) throw new SignatureError(400, `signature must cover ${name}`);
  }
  for (const name of Object.keys(request.headers)) {
    if (name.startsWith('psu-') && !covered.includes(name)) {
      throw new SignatureError(
        401,
        `signature must cover ${name}: every PSU-* header sent is signed (STET §3.5)`,
      );
    }
  }
  return { keyId: parsed.params.keyId, headers: covered, parsed };
}

const publicKeys = new WeakMap<X509Certificate, string>();

/** Whether the signature was made with the private key of `certificate` (rsa-sha256). */
export function verifyRequestSignature(
  signature: RequestSignature,
  certificate: X509Certificate,
): boolean {
  let pem = publicKeys.get(certificate);
  if (pem === undefined) {
    pem = certificate.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    publicKeys.set(certificate, pem);
  }
  try {
    return httpSignature.verifySignature(signature.parsed, pem);
  } catch {
    return false;
  }
}

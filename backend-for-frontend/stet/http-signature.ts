/**
 * Signs STET API requests with the TPP's QSealC: draft-cavage-http-signatures-10 §2 with
 * `rsa-sha256`, plus the RFC 3230 `Digest` (SHA-256) of the body, over the header set each bank
 * asks for (STET 1.4.0.47 Part I §3.5; bank variants in shared/stet/NOTES.md §4).
 */
import { createHash, sign, type KeyObject } from 'node:crypto';

/** Which headers a bank wants signed. Names are lower-case; `(request-target)` is the pseudo-header. */
export interface SignaturePolicy {
  /** Signed on every request. */
  headers: readonly string[];
  /** Also signed when the request has a body. */
  bodyHeaders: readonly string[];
  /** BPCE computes `Digest` (of the empty body) and signs it even on a GET. */
  digestOnEveryRequest: boolean;
}

export interface SigningKey {
  /** What the bank looks the key up by: the QSealC's URL, or the client_id at BPCE. */
  keyId: string;
  privateKey: KeyObject;
}

export interface RequestToSign {
  method: string;
  url: URL;
  /** Headers already set on the request, any case; the signer adds to a copy. */
  headers: Record<string, string>;
  body?: Uint8Array;
}

/** `SHA-256=<base64>` of a body (RFC 3230 §4.3.2 with the RFC 5843 algorithm name). */
export function computeDigest(body: Uint8Array): string {
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

/**
 * RSASSA-PKCS1-v1_5 with SHA-256 (draft-cavage §2.3 `rsa-sha256`), base64. The callback form
 * runs on libuv's thread pool: an RSA-2048 signature costs about 1 ms of CPU, which would
 * otherwise hold the event loop on every bank call.
 */
function signRsaSha256(data: string, privateKey: KeyObject): Promise<string> {
  return new Promise((resolve, reject) => {
    sign('sha256', Buffer.from(data, 'utf8'), privateKey, (error, signature) => {
      if (error) reject(error);
      else resolve(signature.toString('base64'));
    });
  });
}

/**
 * Returns the request's headers with `Date`, `Digest` (when due) and `Signature` added.
 * Every `PSU-*` header present is signed too, as STET §3.5 requires.
 */
export async function signRequest(
  request: RequestToSign,
  key: SigningKey,
  policy: SignaturePolicy,
  now: Date = new Date(),
): Promise<Record<string, string>> {
  const headers = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries(request.headers))
    headers.set(name.toLowerCase(), [name, value]);
  const set = (name: string, value: string) => headers.set(name.toLowerCase(), [name, value]);
  const body = request.body && request.body.length > 0 ? request.body : undefined;

  if (!headers.has('date')) set('Date', now.toUTCString());
  if (body || policy.digestOnEveryRequest) set('Digest', computeDigest(body ?? new Uint8Array()));
  // fetch sets these two itself, from the URL and the body; sign the values it will send.
  const implicit = new Map([
    ['host', request.url.host],
    ['content-length', String(body?.length ?? 0)],
  ]);

  const covered = [...policy.headers, ...(body ? policy.bodyHeaders : [])];
  if (headers.has('digest')) covered.push('digest');
  for (const name of headers.keys()) if (name.startsWith('psu-')) covered.push(name);
  const names = [...new Set(covered)];

  const lines = names.map((name) => {
    if (name === '(request-target)') {
      return `(request-target): ${request.method.toLowerCase()} ${request.url.pathname}${request.url.search}`;
    }
    const value = headers.get(name)?.[1] ?? implicit.get(name);
    if (value === undefined)
      throw new TypeError(`cannot sign ${name}: the request has no such header`);
    return `${name}: ${value.trim()}`;
  });
  const signature = await signRsaSha256(lines.join('\n'), key.privateKey);
  set(
    'Signature',
    `keyId="${key.keyId}",algorithm="rsa-sha256",headers="${names.join(' ')}",signature="${signature}"`,
  );
  return Object.fromEntries([...headers.values()]);
}

/**
 * The TPPs' QSealCs as the banks know them, for banks whose signature keyId is the URL of the
 * certificate (STET 1.4.0.47 Part I §3.5: the keyId "is requested [to be] an URL aiming to provide
 * the relevant Qualified Certificate").
 *
 * A bank fetches the certificate from that URL and caches it. It fetches again when the cached one
 * has expired, and when a signature does not verify with it: that is what happens the first time a
 * TPP signs with a renewed QSealC published at the same URL. The certificate registered at
 * onboarding seeds the cache, so a TPP that publishes nothing keeps working until it renews.
 *
 * Only URLs registered for a TPP are ever fetched (never an arbitrary keyId), and every certificate,
 * seeded or fetched, must chain to the trusted CA and carry the organizationIdentifier of the TPP
 * registered under that URL (ETSI TS 119 495 §5.2.1).
 */
import { X509Certificate } from 'node:crypto';
import { readOrganizationIdentifier } from '../oauth/client-certificate.js';

/** Gets the body served at a QSealC URL: PEM text or DER bytes. Rejects on any failure. */
export type FetchQsealc = (url: string, signal: AbortSignal) => Promise<string | Uint8Array>;

const MAX_CERTIFICATE_BYTES = 64 * 1024;
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----/;

/** The default fetch: an HTTP GET that follows no redirect and reads at most 64 KiB. */
export async function fetchQsealcOverHttp(url: string, signal: AbortSignal): Promise<Uint8Array> {
  const response = await fetch(url, {
    signal,
    redirect: 'error',
    headers: { accept: 'application/x-pem-file, application/pkix-cert' },
  });
  if (!response.ok || !response.body) throw new Error(`HTTP status ${response.status}`);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.length;
    if (size > MAX_CERTIFICATE_BYTES) {
      await reader.cancel();
      throw new Error('the response is larger than 64 KiB');
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks);
}

/** `fetch failed: ECONNREFUSED`: the message of a failure and the code of its cause, if any. */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? `${error.message}: ${code}` : error.message;
}

/** Parses the first certificate of a PEM text (a chain may follow it) or of DER bytes. */
function parseCertificate(body: string | Uint8Array): X509Certificate {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('latin1');
  const pem = PEM_CERTIFICATE.exec(text)?.[0];
  return new X509Certificate(pem ?? Buffer.from(body));
}

/**
 * Why a QSealC cannot verify the signatures of `clientId` at `now` (milliseconds), or `undefined`
 * when it can.
 */
export function checkQsealc(
  certificate: X509Certificate,
  clientId: string,
  trustedCa: X509Certificate,
  now: number,
): string | undefined {
  if (!certificate.checkIssued(trustedCa) || !certificate.verify(trustedCa.publicKey)) {
    return 'does not chain to a trusted CA';
  }
  if (certificate.ca) return 'is a CA certificate';
  if (now < Date.parse(certificate.validFrom)) return 'is not valid yet';
  if (now > Date.parse(certificate.validTo)) return 'has expired';
  if (readOrganizationIdentifier(certificate) !== clientId) {
    return 'does not carry the organizationIdentifier of the TPP';
  }
  if (certificate.publicKey.asymmetricKeyType !== 'rsa') return 'has no RSA key for rsa-sha256';
  return undefined;
}

/** A QSealC could not be found or was refused; the message says why. */
export class QsealcError extends Error {}

export interface QsealcDirectoryOptions {
  trustedCa: X509Certificate;
  fetchQsealc?: FetchQsealc;
  /**
   * Least time between two fetches of one URL, in milliseconds, so that a stream of bad signatures
   * cannot make a bank hammer a TPP's web server. Default 30 s.
   */
  refetchIntervalMs?: number;
  /** Time allowed for one fetch. Default 5 s. */
  timeoutMs?: number;
  /** The clock that spaces fetches out: real time, whatever a bank's own clock says. */
  clock?: () => number;
}

interface Entry {
  clientId: string;
  certificate: X509Certificate;
  /** When the URL was last fetched, by `clock`; `-Infinity` when never. */
  fetchedAt: number;
  /** The fetch under way, shared by every request that needs it. */
  fetching: Promise<X509Certificate | string> | undefined;
}

export class QsealcDirectory {
  readonly #options: Required<QsealcDirectoryOptions>;
  readonly #entries = new Map<string, Entry>();

  constructor(options: QsealcDirectoryOptions) {
    this.#options = {
      trustedCa: options.trustedCa,
      fetchQsealc: options.fetchQsealc ?? fetchQsealcOverHttp,
      refetchIntervalMs: options.refetchIntervalMs ?? 30_000,
      timeoutMs: options.timeoutMs ?? 5_000,
      clock: options.clock ?? Date.now,
    };
  }

  /**
   * Registers the URL a TPP publishes its QSealC at, with the certificate it gave at onboarding.
   * Throws when that certificate is not acceptable now: a start-up error, not a refusal later.
   */
  register(url: string, clientId: string, certificate: X509Certificate): void {
    const problem = checkQsealc(certificate, clientId, this.#options.trustedCa, Date.now());
    if (problem) throw new QsealcError(`the QSealC registered for ${clientId} ${problem}`);
    this.#entries.set(url, { clientId, certificate, fetchedAt: -Infinity, fetching: undefined });
  }

  /**
   * The certificate to verify a signature made under `url` with, valid at `now` (the bank's
   * clock): the cached one, or a freshly fetched one when it has expired. Throws a `QsealcError`.
   */
  async current(url: string, now: number): Promise<X509Certificate> {
    const entry = this.#entries.get(url);
    if (!entry) throw new QsealcError('signature keyId is not registered');
    const problem = checkQsealc(entry.certificate, entry.clientId, this.#options.trustedCa, now);
    if (!problem) return entry.certificate;
    const fetched = await this.#fetch(url, entry, now);
    if (typeof fetched === 'string') {
      throw new QsealcError(`the cached QSealC ${problem} and the one at keyId ${fetched}`);
    }
    return fetched;
  }

  /**
   * Fetches the certificate again after a signature failed to verify with `stale`. Resolves to
   * the new certificate, or to no certificate with the problem, if any, that kept one from coming:
   * none when the URL serves the same certificate or was fetched too recently.
   */
  async renew(
    url: string,
    stale: X509Certificate,
    now: number,
  ): Promise<{ certificate: X509Certificate } | { problem: string | undefined }> {
    const entry = this.#entries.get(url);
    if (!entry) return { problem: 'signature keyId is not registered' };
    const recent = this.#options.clock() - entry.fetchedAt < this.#options.refetchIntervalMs;
    if (recent && !entry.fetching) return { problem: undefined };
    const fetched = await this.#fetch(url, entry, now);
    if (typeof fetched === 'string') return { problem: `the QSealC at keyId ${fetched}` };
    if (fetched.fingerprint256 === stale.fingerprint256) return { problem: undefined };
    return { certificate: fetched };
  }

  /** Fetches and checks the certificate at `url`, at most once per interval and once at a time. */
  #fetch(url: string, entry: Entry, now: number): Promise<X509Certificate | string> {
    if (entry.fetching) return entry.fetching;
    const { clock, refetchIntervalMs, timeoutMs, fetchQsealc, trustedCa } = this.#options;
    if (clock() - entry.fetchedAt < refetchIntervalMs) {
      return Promise.resolve('was fetched too recently to be fetched again');
    }
    entry.fetchedAt = clock();
    entry.fetching = (async () => {
      let certificate: X509Certificate;
      try {
        certificate = parseCertificate(await fetchQsealc(url, AbortSignal.timeout(timeoutMs)));
      } catch (error) {
        return `could not be fetched (${describeFailure(error)})`;
      }
      const problem = checkQsealc(certificate, entry.clientId, trustedCa, now);
      if (problem) return `was refused: it ${problem}`;
      entry.certificate = certificate;
      return certificate;
    })().finally(() => {
      entry.fetching = undefined;
    });
    return entry.fetching;
  }
}

/** What every sandbox route needs: the banks' states, the registered TPPs, and public URLs. */
import type { X509Certificate } from 'node:crypto';
import type { BankState } from './state.js';
import type { QsealcDirectory } from './stet/qsealc-directory.js';

/** A TPP registered with the sandbox banks, as a bank's onboarding would record it. */
export interface RegisteredClient {
  /** The organizationIdentifier of the TPP's eIDAS certificates (ETSI TS 119 495 §5.2.1). */
  clientId: string;
  name: string;
  /** Redirect URIs, compared by exact string match (RFC 9700 §2.1). */
  redirectUris: string[];
  /**
   * The QSealC the TPP gave at onboarding: what banks that look keys up by client_id verify with,
   * and the first certificate the others know behind `qsealcUrl`.
   */
  qsealc: X509Certificate;
  /** The URL the TPP publishes its QSealC at: the `keyId` the spec asks for. */
  qsealcUrl: string;
}

export interface SandboxContext {
  banks: Map<string, BankState>;
  clients: Map<string, RegisteredClient>;
  /** The CA that TPP certificates must chain to (the test PKI's). */
  trustedCa: X509Certificate;
  /** The QSealCs fetched from the TPPs' keyId URLs, seeded with the registered ones. */
  qsealcs: QsealcDirectory;
  /** `http://localhost:9080`: where browsers reach the consent pages. */
  browserOrigin: string;
  /** `https://localhost:9443`: where TPPs reach `/token` and the APIs over mTLS. */
  mtlsOrigin: string;
}

/** The issuer identifier of a bank (RFC 8414 §2), also sent as `iss` (RFC 9207). */
export function issuerOf(context: SandboxContext, bankId: string): string {
  return `${context.mtlsOrigin}/${bankId}`;
}

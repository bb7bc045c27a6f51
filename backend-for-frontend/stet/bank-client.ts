/**
 * One STET bank as the rest of the BFF sees it: its registry entry, its profile of quirks
 * (bank-profile.ts), and the calls the TPP makes to it. It composes the seams of the STET client:
 *
 * - transport.ts: the mutual-TLS connection pool with the QWAC (RFC 8705 §2.1) and transport
 *   failures;
 * - token-client.ts: the OAuth 2.0 side with oauth4webapi (authorization URL, RFC 9207 `iss`,
 *   code exchange, refresh, RFC 7009 revocation);
 * - resource-client.ts: signed AISP/CBPII calls (draft-cavage, STET 1.4.0.47 Part I §3.5) with
 *   bounded retries of idempotent GETs;
 * - bank-errors.ts: what the bank's refusals mean, for all of them.
 */
import type { KeyObject } from 'node:crypto';
import type { BankScope } from '../contract/index.js';
import { BffError } from '../errors.js';
import type { Aspsp } from '../registry.js';
import { BankProfile } from './bank-profile.js';
import { ResourceClient, type BankResponse, type ResourceRequest } from './resource-client.js';
import { TokenClient, type TokenSet } from './token-client.js';
import { BankTransport } from './transport.js';

export interface BankClientOptions {
  clientId: string;
  redirectUri: string;
  qwac: { cert: string; key: string };
  qsealc: { privateKey: KeyObject; url: string };
  timeoutMs: number;
}

export class BankClient {
  readonly aspsp: Aspsp;
  readonly profile: BankProfile;
  readonly #transport: BankTransport;
  readonly #tokens: TokenClient;
  readonly #resources: ResourceClient;

  constructor(aspsp: Aspsp, options: BankClientOptions) {
    this.aspsp = aspsp;
    this.profile = new BankProfile(aspsp);
    this.#transport = new BankTransport({
      aspsp: aspsp.id,
      qwac: options.qwac,
      ...(aspsp.ca ? { ca: aspsp.ca } : {}),
      timeoutMs: options.timeoutMs,
    });
    this.#tokens = new TokenClient(aspsp, this.profile, this.#transport, options);
    this.#resources = new ResourceClient(this.profile, this.#transport, options);
  }

  /** The `/authorize` URL for a flow (RFC 6749 §4.1.1, RFC 7636 §4.3, STET Part I §3.4.3.2). */
  buildAuthorizationUrl(input: { state: string; codeChallenge: string; scopes: BankScope[] }) {
    return this.#tokens.buildAuthorizationUrl(input);
  }

  /** Validates the authorization response, `iss` included (RFC 6749 §4.1.2, RFC 9207 §2.4). */
  validateAuthorizationResponse(params: URLSearchParams): URLSearchParams {
    return this.#tokens.validateAuthorizationResponse(params);
  }

  /** Exchanges a code for tokens (RFC 6749 §4.1.3, RFC 7636 §4.5). */
  exchangeCode(callbackParams: URLSearchParams, codeVerifier: string): Promise<TokenSet> {
    return this.#tokens.exchangeCode(callbackParams, codeVerifier);
  }

  /** Refreshes the tokens (RFC 6749 §6). */
  refreshTokens(refreshToken: string): Promise<TokenSet> {
    return this.#tokens.refreshTokens(refreshToken);
  }

  /** Revokes a token where the bank offers RFC 7009; a no-op elsewhere. */
  revokeToken(token: string): Promise<void> {
    return this.#tokens.revokeToken(token);
  }

  /** Calls an AISP/CBPII resource; `bank_unauthorized` on a 401, for the caller to refresh. */
  requestResource(request: ResourceRequest): Promise<BankResponse> {
    return this.#resources.requestResource(request);
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }
}

/** The client of a registry bank, or `unknown_aspsp`: the one lookup the routes and services share. */
export function findBank(banks: ReadonlyMap<string, BankClient>, aspsp: string): BankClient {
  const bank = banks.get(aspsp);
  if (!bank) throw new BffError('unknown_aspsp', `aspsp ${aspsp} is not in the registry`);
  return bank;
}

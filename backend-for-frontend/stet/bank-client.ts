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
import { readOutcome, type BankCallMetrics, type BankOperation, type Outcome } from '../metrics.js';
import type { Aspsp } from '../registry.js';
import { BankProfile } from './bank-profile.js';
import {
  ResourceClient,
  type BankResponse,
  type ResourceRequest,
  type ResourceTarget,
} from './resource-client.js';
import { TokenClient, type TokenSet } from './token-client.js';
import { BankTransport } from './transport.js';

export interface BankClientOptions {
  clientId: string;
  redirectUri: string;
  qwac: { cert: string; key: string };
  /** The QWAC the current one replaced, for tokens still bound to it (`config.previousQwac`). */
  previousQwac?: { cert: string; key: string } | undefined;
  qsealc: { privateKey: KeyObject; url: string };
  timeoutMs: number;
  /** Where each call to the bank is reported, when the BFF keeps metrics. */
  metrics?: BankCallMetrics | undefined;
}

export class BankClient {
  readonly aspsp: Aspsp;
  readonly profile: BankProfile;
  readonly #transport: BankTransport;
  readonly #tokens: TokenClient;
  readonly #resources: ResourceClient;
  /** Resource calls over the previous QWAC, with their own connection pool; when configured. */
  readonly #previous: { transport: BankTransport; resources: ResourceClient } | undefined;
  readonly #metrics: BankCallMetrics | undefined;

  constructor(aspsp: Aspsp, options: BankClientOptions) {
    this.aspsp = aspsp;
    this.#metrics = options.metrics;
    this.profile = new BankProfile(aspsp);
    // One mutual-TLS pool per QWAC: the current one, and the previous one while configured.
    const connect = (qwac: { cert: string; key: string }) =>
      new BankTransport({
        aspsp: aspsp.id,
        qwac,
        ...(aspsp.ca ? { ca: aspsp.ca } : {}),
        timeoutMs: options.timeoutMs,
      });
    this.#transport = connect(options.qwac);
    this.#tokens = new TokenClient(aspsp, this.profile, this.#transport, options);
    this.#resources = new ResourceClient(this.profile, this.#transport, options);
    if (options.previousQwac) {
      const transport = connect(options.previousQwac);
      this.#previous = {
        transport,
        resources: new ResourceClient(this.profile, transport, options),
      };
    }
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
    return this.#measure('code-exchange', () =>
      this.#tokens.exchangeCode(callbackParams, codeVerifier),
    );
  }

  /** Refreshes the tokens (RFC 6749 §6). */
  refreshTokens(refreshToken: string): Promise<TokenSet> {
    return this.#measure('refresh', () => this.#tokens.refreshTokens(refreshToken));
  }

  /** Revokes a token where the bank offers RFC 7009; a no-op elsewhere. */
  async revokeToken(token: string): Promise<void> {
    if (!this.aspsp.revocationEndpoint) return;
    await this.#measure('revocation', () => this.#tokens.revokeToken(token));
  }

  /**
   * Calls an AISP/CBPII resource; `bank_unauthorized` on a 401, for the caller to refresh.
   * `over: 'previous'` presents the previous QWAC, for a token bound to it (RFC 8705 §3).
   */
  requestResource(
    request: ResourceRequest,
    over: 'current' | 'previous' = 'current',
  ): Promise<BankResponse> {
    const resources = over === 'previous' ? this.#previous?.resources : this.#resources;
    if (!resources) {
      return Promise.reject(new BffError('internal_error', 'no previous QWAC is configured'));
    }
    return this.#measure(nameResource(request), () => resources.requestResource(request));
  }

  /** Runs one call to the bank and reports its outcome and duration to the metrics. */
  async #measure<T>(operation: BankOperation, call: () => Promise<T>): Promise<T> {
    const metrics = this.#metrics;
    if (!metrics) return call();
    const started = performance.now();
    let outcome: Outcome = 'ok';
    try {
      return await call();
    } catch (error) {
      outcome = readOutcome(error);
      throw error;
    } finally {
      const seconds = (performance.now() - started) / 1e3;
      metrics.observeBankCall(this.aspsp.id, operation, outcome, seconds);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#transport.close(), this.#previous?.transport.close()]);
  }
}

/** STET's AISP and CBPII resources, by the last segment of their path (STET 1.4.0.47 Part II). */
const RESOURCES: ReadonlyMap<string, BankOperation> = new Map([
  ['accounts', 'accounts'],
  ['balances', 'balances'],
  ['transactions', 'transactions'],
  ['end-user-identity', 'identity'],
  ['trusted-beneficiaries', 'trusted-beneficiaries'],
  ['funds-confirmations', 'funds-confirmations'],
]);

/**
 * The operation a resource call is counted under, from its path or from the bank's link: the
 * resource's name, never the ids the path holds.
 */
export function nameResource(target: ResourceTarget): BankOperation {
  const pathname = readPathname(target);
  if (pathname === undefined) return 'other';
  return RESOURCES.get(pathname.replace(/\/+$/, '').split('/').pop() ?? '') ?? 'other';
}

/**
 * The path part of a target. The BFF's own paths (`/accounts/{id}/balances`, a query at most)
 * are split without a URL parser, which costs more than the rest of the naming; anything else is
 * parsed. `undefined` for a link no URL can be made of (the profile refuses it; it counts as
 * `other`).
 */
function readPathname(target: ResourceTarget): string | undefined {
  if (target.path !== undefined && /^[\w/%~-]*(\?|$)/.test(target.path)) {
    return target.path.split('?', 1)[0];
  }
  const href = target.link ?? target.path;
  const base = 'https://bank.invalid';
  return URL.canParse(href, base) ? new URL(href, base).pathname : undefined;
}

/** The client of a registry bank, or `unknown_aspsp`: the one lookup the routes and services share. */
export function findBank(banks: ReadonlyMap<string, BankClient>, aspsp: string): BankClient {
  const bank = banks.get(aspsp);
  if (!bank) throw new BffError('unknown_aspsp', `aspsp ${aspsp} is not in the registry`);
  return bank;
}

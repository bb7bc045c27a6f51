/**
 * The OAuth 2.0 side of one bank, with oauth4webapi: a hand-built `AuthorizationServer` (STET
 * banks publish no RFC 8414 metadata), `TlsClientAuth()` over the mTLS transport (RFC 8705 §2.1),
 * the authorization URL, the authorization response's checks, and the token endpoint's code
 * exchange, refresh and revocation. Every refusal is mapped by bank-errors.ts.
 */
import * as oauth from 'oauth4webapi';
import type { BankScope } from '../contract/index.js';
import { BffError } from '../errors.js';
import type { Aspsp } from '../registry.js';
import { toBankError, type BankCall } from './bank-errors.js';
import type { BankProfile } from './bank-profile.js';
import { toTransportError, type BankTransport } from './transport.js';

export interface TokenClientOptions {
  clientId: string;
  redirectUri: string;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string | undefined;
  /** Seconds, as the bank said; undefined if it did not say. */
  expiresIn: number | undefined;
  scopes: BankScope[] | undefined;
}

export class TokenClient {
  readonly #aspsp: Aspsp;
  readonly #transport: BankTransport;
  readonly #options: TokenClientOptions;
  readonly #as: oauth.AuthorizationServer;
  readonly #client: oauth.Client;

  constructor(
    aspsp: Aspsp,
    profile: BankProfile,
    transport: BankTransport,
    options: TokenClientOptions,
  ) {
    this.#aspsp = aspsp;
    this.#transport = transport;
    this.#options = options;
    this.#as = {
      issuer: aspsp.issuer,
      authorization_endpoint: aspsp.authorizationEndpoint,
      token_endpoint: aspsp.tokenEndpoint,
      ...(aspsp.revocationEndpoint ? { revocation_endpoint: aspsp.revocationEndpoint } : {}),
      authorization_response_iss_parameter_supported: profile.issParameterSupported,
    };
    this.#client = { client_id: options.clientId };
  }

  /** The `/authorize` URL for a flow (RFC 6749 §4.1.1, RFC 7636 §4.3, STET Part I §3.4.3.2). */
  buildAuthorizationUrl(input: {
    state: string;
    codeChallenge: string;
    scopes: BankScope[];
  }): string {
    const url = new URL(this.#aspsp.authorizationEndpoint);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.#options.clientId);
    url.searchParams.set('redirect_uri', this.#options.redirectUri);
    url.searchParams.set('scope', input.scopes.join(' '));
    url.searchParams.set('state', input.state);
    url.searchParams.set('code_challenge', input.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
    return url.href;
  }

  /**
   * Validates the authorization response (RFC 6749 §4.1.2, RFC 9207 §2.4 `iss` against this
   * bank's issuer: the mix-up defence). `state` has already been matched by its hash.
   */
  validateAuthorizationResponse(params: URLSearchParams): URLSearchParams {
    try {
      return oauth.validateAuthResponse(this.#as, this.#client, params, oauth.skipStateCheck);
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError) {
        const code = error.error === 'access_denied' ? 'access_denied' : 'authorization_failed';
        throw new BffError(code, `the bank answered ${error.error}`, {
          aspsp: this.#aspsp.id,
          cause: error,
        });
      }
      throw new BffError('issuer_mismatch', 'iss does not match the bank of this flow', {
        aspsp: this.#aspsp.id,
        cause: error,
      });
    }
  }

  /**
   * Exchanges a code at the token endpoint over mTLS (RFC 6749 §4.1.3, RFC 7636 §4.5). A refused
   * code is a failed authorization (injected, replayed, expired or from another bank), not the end
   * of a consent: there is no session yet to re-authenticate.
   */
  async exchangeCode(callbackParams: URLSearchParams, codeVerifier: string): Promise<TokenSet> {
    const result = await this.#call('code-exchange', async () => {
      const response = await oauth.authorizationCodeGrantRequest(
        this.#as,
        this.#client,
        oauth.TlsClientAuth(),
        callbackParams,
        this.#options.redirectUri,
        codeVerifier,
        this.#transport.protocolOptions(),
      );
      return oauth.processAuthorizationCodeResponse(this.#as, this.#client, response);
    });
    return readTokenSet(result);
  }

  /** Refreshes the tokens (RFC 6749 §6); `reauth_required` when the bank refuses the grant. */
  async refreshTokens(refreshToken: string): Promise<TokenSet> {
    const result = await this.#call('refresh', async () => {
      const response = await oauth.refreshTokenGrantRequest(
        this.#as,
        this.#client,
        oauth.TlsClientAuth(),
        refreshToken,
        this.#transport.protocolOptions(),
      );
      return oauth.processRefreshTokenResponse(this.#as, this.#client, response);
    });
    return readTokenSet(result);
  }

  /** Revokes a token where the bank offers RFC 7009 (§2.1); a no-op elsewhere. */
  async revokeToken(token: string): Promise<void> {
    if (!this.#aspsp.revocationEndpoint) return;
    await this.#call('revocation', async () => {
      const response = await oauth.revocationRequest(
        this.#as,
        this.#client,
        oauth.TlsClientAuth(),
        token,
        this.#transport.protocolOptions(),
      );
      await oauth.processRevocationResponse(response);
    });
  }

  /** Runs a token-endpoint call, mapping what went wrong to the BffError callers test. */
  async #call<T>(call: BankCall, run: () => Promise<T>): Promise<T> {
    const aspsp = this.#aspsp.id;
    try {
      return await run();
    } catch (error) {
      if (error instanceof BffError) throw error;
      if (error instanceof oauth.ResponseBodyError) {
        throw toBankError(aspsp, call, {
          status: error.status,
          headers: error.response.headers,
          error: error.error,
          cause: error,
        });
      }
      if (error instanceof oauth.WWWAuthenticateChallengeError) {
        throw toBankError(aspsp, call, {
          status: error.status,
          headers: error.response.headers,
          error: error.cause[0]?.parameters.error,
          cause: error,
        });
      }
      if (error instanceof oauth.OperationProcessingError) {
        const answer = error.cause as { status?: unknown; headers?: Headers } | undefined;
        const status = typeof answer?.status === 'number' ? answer.status : 0;
        // An answer oauth4webapi could not read at all carries no status: as the bank being
        // unavailable, it may be retried. A 2xx it read but refused does not conform.
        if (status === 0) {
          throw new BffError('bank_unavailable', 'the bank is unavailable', {
            aspsp,
            cause: error,
          });
        }
        if (status >= 200 && status < 300) {
          throw new BffError('bank_error', 'the bank sent a response that does not conform', {
            aspsp,
            cause: error,
          });
        }
        throw toBankError(aspsp, call, {
          status,
          ...(answer?.headers ? { headers: answer.headers } : {}),
          cause: error,
        });
      }
      throw toTransportError(aspsp, error);
    }
  }
}

function readTokenSet(result: oauth.TokenEndpointResponse): TokenSet {
  return {
    accessToken: result.access_token,
    refreshToken: result.refresh_token,
    expiresIn: result.expires_in,
    scopes: result.scope ? (result.scope.split(' ').filter(Boolean) as BankScope[]) : undefined,
  };
}

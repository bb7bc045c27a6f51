/**
 * Calls one bank's AISP/CBPII resources: the bearer access token (RFC 6750 §2.1), the headers STET
 * requires on every call (`X-Request-ID`; `PSU-*` when the customer is present), a draft-cavage
 * signature with the TPP's QSealC over the bank's header set (STET 1.4.0.47 Part I §3.5), and
 * retries of idempotent GETs within one deadline. What the bank refuses is mapped by
 * bank-errors.ts.
 */
import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { BffError, hasCode } from '../errors.js';
import { readBankMessage, toBankError } from './bank-errors.js';
import type { BankProfile, PsuContext } from './bank-profile.js';
import { signRequest } from './http-signature.js';
import { toTransportError, type BankTransport } from './transport.js';

export interface ResourceClientOptions {
  clientId: string;
  qsealc: { privateKey: KeyObject; url: string };
}

export interface BankResponse {
  status: number;
  body: unknown;
}

/** Where a resource call goes: one of the BFF's fixed paths, or a link the bank sent. */
export type ResourceTarget =
  | {
      /** A path under the bank's API base (`/accounts`): the BFF's fixed destinations. */
      path: string;
      link?: never;
    }
  | {
      /** A `_links` href from an earlier answer, resolved and checked by the bank's profile. */
      link: string;
      path?: never;
    };

/** A resource call as the BFF's routes describe it; the session adds the access token. */
export type BankRequest = ResourceTarget & {
  method: 'GET' | 'POST' | 'PUT';
  body?: unknown;
  /** The customer's context, when they are present; absent, the call carries no PSU header. */
  psu?: PsuContext | undefined;
};

export type ResourceRequest = BankRequest & { accessToken: string };

/** Backoff before each retry of an idempotent GET; the deadline may cut it short. */
const RETRY_DELAYS_MS = [100, 400];

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class ResourceClient {
  readonly #profile: BankProfile;
  readonly #transport: BankTransport;
  readonly #options: ResourceClientOptions;

  constructor(profile: BankProfile, transport: BankTransport, options: ResourceClientOptions) {
    this.#profile = profile;
    this.#transport = transport;
    this.#options = options;
  }

  /**
   * Calls a resource and returns its status and parsed JSON body (`undefined` for an empty one).
   * A GET that meets a 5xx or a transport failure is retried, twice at most, as long as the one
   * deadline of the call allows: RFC 9110 §9.2.2 makes it safe to repeat, and a POST is never
   * repeated. A 401 throws `bank_unauthorized`, for the caller to refresh and replay once.
   */
  async requestResource(request: ResourceRequest): Promise<BankResponse> {
    const url =
      request.link === undefined
        ? this.#profile.resolveApiPath(request.path)
        : this.#profile.resolveLink(request.link);
    const body =
      request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), 'utf8');
    const deadline = Date.now() + this.#transport.timeoutMs;
    const attempts = request.method === 'GET' ? RETRY_DELAYS_MS.length + 1 : 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) {
        const wait = RETRY_DELAYS_MS[attempt - 1] ?? 0;
        if (Date.now() + wait >= deadline) break;
        await delay(wait);
      }
      try {
        return await this.#send(request, url, body, deadline);
      } catch (error) {
        lastError = error;
        if (!hasCode(error, 'bank_unavailable', 'bank_timeout')) throw error;
      }
    }
    throw lastError;
  }

  async #send(
    request: ResourceRequest,
    url: URL,
    body: Buffer | undefined,
    deadline: number,
  ): Promise<BankResponse> {
    const aspsp = this.#profile.aspsp;
    const headers: Record<string, string> = {
      accept: 'application/hal+json, application/json',
      'x-request-id': randomUUID(),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...this.#profile.writePsuHeaders(request.psu),
    };
    const signal = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    let response: Response;
    try {
      response = await oauth.protectedResourceRequest(
        request.accessToken,
        request.method,
        url,
        new Headers(headers),
        body ?? null,
        {
          signal,
          // oauth4webapi hands back `url.href` with the Authorization header it added.
          [oauth.customFetch]: async (
            _href: string,
            init: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>,
          ) => {
            const signed = await signRequest(
              { method: request.method, url, headers: init.headers, ...(body ? { body } : {}) },
              {
                keyId: this.#profile.chooseSigningKeyId({
                  clientId: this.#options.clientId,
                  qsealcUrl: this.#options.qsealc.url,
                }),
                privateKey: this.#options.qsealc.privateKey,
              },
              this.#profile.signaturePolicy,
            );
            return this.#transport.dispatch(url, request.method, signed, body, init.signal);
          },
        },
      );
    } catch (error) {
      if (error instanceof oauth.WWWAuthenticateChallengeError) {
        const text = await error.response.text().catch(() => '');
        throw toBankError(aspsp, 'resource', {
          status: error.status,
          headers: error.response.headers,
          error: error.cause[0]?.parameters.error,
          bankMessage: readBankMessage(text),
          cause: error,
        });
      }
      throw toTransportError(aspsp, error);
    }
    return this.#readResponse(response);
  }

  /** The result of a 2xx, or the BffError of anything else; the body is already in memory. */
  async #readResponse(response: Response): Promise<BankResponse> {
    const aspsp = this.#profile.aspsp;
    const status = response.status;
    const text = await response.text();
    if (status < 200 || status >= 300) {
      throw toBankError(aspsp, 'resource', {
        status,
        headers: response.headers,
        bankMessage: readBankMessage(text),
      });
    }
    if (status === 204 || text === '') return { status, body: undefined };
    try {
      return { status, body: JSON.parse(text) as unknown };
    } catch {
      throw new BffError('bank_error', 'the bank sent malformed JSON', { aspsp });
    }
  }
}

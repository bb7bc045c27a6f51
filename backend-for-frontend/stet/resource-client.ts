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
import { readBankMessage, readChallengeError, toBankError } from './bank-errors.js';
import type { BankProfile, PsuContext } from './bank-profile.js';
import { signRequest } from './http-signature.js';
import {
  answerHeader,
  toTransportError,
  type BankAnswer,
  type BankTransport,
} from './transport.js';

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
    oauth.checkProtocol(url, true);
    const headers = await signRequest(
      {
        method: request.method,
        url,
        headers: {
          accept: 'application/hal+json, application/json',
          'x-request-id': randomUUID(),
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...this.#profile.writePsuHeaders(request.psu),
          // RFC 6750 §2.1; STET banks bind the token to the QWAC (RFC 8705), not to a DPoP key.
          authorization: `Bearer ${request.accessToken}`,
        },
        ...(body ? { body } : {}),
      },
      {
        keyId: this.#profile.chooseSigningKeyId({
          clientId: this.#options.clientId,
          qsealcUrl: this.#options.qsealc.url,
        }),
        privateKey: this.#options.qsealc.privateKey,
      },
      this.#profile.signaturePolicy,
    );
    let answer: BankAnswer;
    try {
      answer = await this.#transport.send(
        url,
        request.method,
        headers,
        body,
        AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      );
    } catch (error) {
      throw toTransportError(aspsp, error);
    }
    const { status, text } = answer;
    if (status < 200 || status >= 300) {
      throw toBankError(aspsp, 'resource', {
        status,
        headers: { get: (name) => answerHeader(answer, name) },
        error: readChallengeError(answerHeader(answer, 'www-authenticate')),
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

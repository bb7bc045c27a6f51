/**
 * What a sandbox bank remembers: its clock, its scenario switches, its call counters, and the
 * OAuth artefacts it has issued (authorization requests, codes, consents, tokens).
 *
 * Everything lives in memory: a sandbox restart is a bank wiping its test environment. Tokens are
 * random 256-bit strings; expiry is judged against the bank's own clock, which the admin API can
 * move forward to expire tokens without waiting.
 */
import { randomBytes } from 'node:crypto';
import type { BankDefinition } from './banks.js';
import type { SandboxUser } from './data/types.js';
import type { UnattendedAccesses } from './stet/unattended-access.js';

export type Scope = 'aisp' | 'cbpii' | 'extended_transaction_history';
export type Lang = 'fr' | 'en';

/** A customer's journey through the consent pages, from `/authorize` to the redirect back. */
export interface AuthorizationRequest {
  id: string;
  clientId: string;
  redirectUri: string;
  scopes: Scope[];
  state: string;
  codeChallenge: string | undefined;
  expiresAt: number;
  step: 'login' | 'sca' | 'consent';
  lang: Lang;
  login?: string;
  scaCode?: string;
  scaAttempts: number;
  /** An error to show once on the next rendering of the current step. */
  flash?: string;
}

/** What the customer agreed to: the accounts and scopes, until the consent ends. */
export interface Grant {
  id: string;
  clientId: string;
  login: string;
  accountIds: string[];
  scopes: Scope[];
  createdAt: number;
  /** End of the consent: the refresh token (or the long-lived access token) dies with it. */
  expiresAt: number;
  revoked: boolean;
  /** Accounts narrowed by `PUT /consents`, per kind of access; `undefined` = all accounts. */
  access?: { balances: string[]; transactions: string[]; psuIdentity: boolean; trusted: boolean };
}

export interface AuthorizationCode {
  grantId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string | undefined;
  expiresAt: number;
  used: boolean;
}

export interface IssuedToken {
  kind: 'access' | 'refresh';
  grantId: string;
  scopes: Scope[];
  /** SHA-256 thumbprint of the client certificate it was issued to (RFC 8705 §3). */
  certificateThumbprint: string;
  expiresAt: number;
  revoked: boolean;
}

/** Fault switches for demos and resilience tests. All off means a healthy bank. */
export interface Scenario {
  /** Every endpoint answers 503 (the consent pages show a maintenance page). */
  down: boolean;
  /** Delay before `/token` answers, in milliseconds. */
  slowTokenMs: number;
  /** Delay before the AISP/CBPII endpoints answer, in milliseconds. */
  slowApiMs: number;
  /** When set, the AISP/CBPII endpoints answer 429 with this `Retry-After`, in seconds. */
  rateLimitedRetryAfter: number | null;
  /** The AISP/CBPII endpoints answer 200 with a truncated JSON body. */
  malformedJson: boolean;
  /** The bank closes the connection without answering (a TLS/transport failure). */
  connectionReset: boolean;
  /**
   * The AISP/CBPII endpoints answer `302` to this URL: a TPP must not follow it, since the
   * request carries its access token and its signature.
   */
  redirectTo: string | null;
}

export const HEALTHY: Scenario = Object.freeze({
  down: false,
  slowTokenMs: 0,
  slowApiMs: 0,
  rateLimitedRetryAfter: null,
  malformedJson: false,
  connectionReset: false,
  redirectTo: null,
});

/** Creates an unguessable token, code or id (256 bits, base64url). */
export function createSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export class BankState {
  readonly bank: BankDefinition;
  readonly users: SandboxUser[];
  clockOffsetMs = 0;
  scenario: Scenario = { ...HEALTHY };
  readonly calls = new Map<string, number>();
  readonly authorizationRequests = new Map<string, AuthorizationRequest>();
  readonly codes = new Map<string, AuthorizationCode>();
  readonly grants = new Map<string, Grant>();
  readonly tokens = new Map<string, IssuedToken>();
  /** Pagination cursors: id → the query whose pages `?page=<id>.<n>` are. */
  readonly cursors = new Map<string, { accountId: string; grantId: string; query: string }>();
  /** Accesses without the customer, per consent and resource (PSD2 RTS art. 36(5)). */
  readonly unattendedAccesses = new Map<string, UnattendedAccesses>();

  constructor(bank: BankDefinition, users: SandboxUser[]) {
    this.bank = bank;
    this.users = users;
  }

  /** The bank's current time in milliseconds: real time plus what the admin API added. */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  count(endpoint: string): void {
    this.calls.set(endpoint, (this.calls.get(endpoint) ?? 0) + 1);
  }

  findUser(login: string): SandboxUser | undefined {
    return this.users.find((user) => user.login === login);
  }

  /** Revokes a grant and every token issued under it. */
  revokeGrant(grantId: string): void {
    const grant = this.grants.get(grantId);
    if (grant) grant.revoked = true;
    for (const token of this.tokens.values()) if (token.grantId === grantId) token.revoked = true;
  }

  /** Issues a token of `kind` under a grant, bound to a client certificate. */
  issueToken(
    kind: IssuedToken['kind'],
    grant: Grant,
    scopes: Scope[],
    certificateThumbprint: string,
    expiresAt: number,
  ): string {
    const token = createSecret();
    this.tokens.set(token, {
      kind,
      grantId: grant.id,
      scopes,
      certificateThumbprint,
      expiresAt,
      revoked: false,
    });
    return token;
  }

  /** Forgets what is past its expiry, so a long demo does not grow without bound. */
  sweep(): void {
    const now = this.now();
    for (const [id, request] of this.authorizationRequests) {
      if (request.expiresAt < now) this.authorizationRequests.delete(id);
    }
    for (const [code, entry] of this.codes) {
      if (entry.expiresAt + 3_600_000 < now) this.codes.delete(code);
    }
    for (const [key, entry] of this.unattendedAccesses) {
      if (entry.times.every((time) => time <= now - 86_400_000))
        this.unattendedAccesses.delete(key);
    }
  }
}

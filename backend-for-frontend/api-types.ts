/**
 * The JSON the backend-for-frontend speaks with the page: the one contract the widget, the demo
 * and the BFF share. Types only, no code, so that browser code can import it without pulling in
 * anything from Node.
 *
 * Everything here is bank-agnostic: whatever STET version or quirks a bank has, amounts are
 * decimal strings with a currency, dates are ISO 8601, and no bank token ever appears.
 */

/** OAuth scopes a STET bank grants (STET 1.4.0.47 securityDefinitions). */
export type BankScope = 'aisp' | 'cbpii' | 'extended_transaction_history';

/** How the page takes the customer to the bank. */
export type FlowMode = 'popup' | 'redirect';

/** `GET /v1/aspsps`: one bank of the directory, for the picker. */
export interface AspspSummary {
  id: string;
  name: string;
  bic: string;
  /** ISO 3166 alpha-2. */
  country: string;
  /** Absolute URL of a square logo (SVG or PNG). */
  logoUrl: string;
  /** Brand colour, for an accent in the picker. */
  colour?: string;
  scopes: BankScope[];
  /** How long a consent lasts at this bank, in days, when the registry says. */
  consentDays?: number;
}

export interface AspspDirectory {
  /** Sorted by name in French collation ("Crédit" between "Caisse" and "LCL"), as shown. */
  aspsps: AspspSummary[];
}

/** `POST /v1/flows` body. */
export interface CreateFlowRequest {
  aspsp: string;
  scopes: BankScope[];
  /** Opaque, unguessable, per flow (RFC 6749 §10.12); the BFF stores only its hash. */
  state: string;
  /** BASE64URL(SHA-256(code_verifier)), RFC 7636 §4.2. */
  codeChallenge: string;
  codeChallengeMethod: 'S256';
  mode: FlowMode;
  /** Absolute URL on an allowed origin where the redirect mode comes back (and the popup falls back). */
  returnTo: string;
}

/** `POST /v1/flows` answer. */
export interface CreateFlowResponse {
  flowId: string;
  /** The bank's `/authorize` URL to open in the popup or navigate to. */
  authorizationUrl: string;
  /** The bank's issuer identifier, to check `iss` against (RFC 9207). */
  issuer: string;
  /** Whether the bank sends `iss`: if so, a response without it is refused. */
  issParameterSupported: boolean;
  expiresAt: string;
}

/** What `GET /v1/callback` posts to the opener in popup mode (`event.data`). */
export interface CallbackMessage {
  type: 'bank-connect:callback';
  flowId: string;
  /** The bank's authorization response as a query string: `code`, `state`, `iss`, or `error`. */
  response: string;
}

/*
 * In redirect mode (and when a popup lost its opener), `GET /v1/callback` answers 303 to the
 * flow's `returnTo` with the result in the fragment, never the query, so it reaches neither
 * servers nor Referer headers: `#bank_connect_flow=<flowId>&<the bank's response parameters>`.
 */

/** `POST /v1/flows/{id}/complete` body. */
export interface CompleteFlowRequest {
  code: string;
  state: string;
  iss?: string;
  /** RFC 7636 §4.1; checked against the recorded challenge before the bank is called. */
  codeVerifier: string;
}

/** The state of a session, as the page may know it. */
export interface SessionInfo {
  aspsp: string;
  scopes: BankScope[];
  /** When the consent ends and the customer must authenticate again. */
  expiresAt: string;
  status: 'active' | 'reauth_required';
}

/** `POST /v1/flows/{id}/complete` answer: a session handle, never a token. */
export interface ConnectedSession extends SessionInfo {
  /** 256 random bits, base64url; send as `Authorization: Bearer <handle>`. */
  sessionHandle: string;
  accounts: AccountSummary[];
}

export interface Money {
  /** Decimal string with a dot, signed: `"-12.30"`. */
  amount: string;
  /** ISO 4217. */
  currency: string;
}

export type BalanceType = 'booked' | 'expected' | 'value-date' | 'other';

export interface Balance {
  type: BalanceType;
  name: string;
  amount: Money;
  /** `YYYY-MM-DD`. */
  referenceDate?: string;
  lastChangeDateTime?: string;
}

export interface AccountSummary {
  /** The bank's account resource id. */
  id: string;
  name: string;
  type: 'current' | 'card';
  /** Last characters of the IBAN or card number, for display. */
  maskedIdentifier: string;
}

export interface Account extends AccountSummary {
  iban?: string;
  product?: string;
  usage?: 'private' | 'professional';
  holderStatus?: string;
  /** For a deferred-debit card: the id of the current account it is settled on. */
  linkedAccountId?: string;
  currency: string;
  /** Present when the bank embeds balances in its account list. */
  balances?: Balance[];
}

export interface AccountList {
  accounts: Account[];
}

export interface BalanceList {
  balances: Balance[];
}

export type TransactionStatus = 'booked' | 'pending' | 'other';

export interface Transaction {
  id: string;
  entryReference?: string;
  /** Signed: debits are negative. */
  amount: Money;
  status: TransactionStatus;
  /** `YYYY-MM-DD` (banks that send date-times are converted to their Paris date). */
  bookingDate?: string;
  valueDate?: string;
  transactionDate?: string;
  /** The remittance lines joined with a space. */
  description: string;
}

export interface TransactionPage {
  transactions: Transaction[];
  /** Opaque; pass as `cursor` for the next page. `null` on the last page. */
  nextCursor: string | null;
}

export interface Identity {
  fullName: string;
  firstName?: string;
  lastName?: string;
  namePrefix?: string;
}

export interface TrustedBeneficiary {
  id?: string;
  name: string;
  iban?: string;
  bic?: string;
}

export interface TrustedBeneficiaryList {
  beneficiaries: TrustedBeneficiary[];
}

/** `POST /v1/funds-confirmations` body. */
export interface FundsConfirmationRequest {
  accountId: string;
  amount: Money;
  payee?: string;
}

export interface FundsConfirmation {
  available: boolean;
}

import type { ErrorCode } from './contract/errors.js';

export type { ErrorCode };

/** Every error the BFF answers has this shape. */
export interface ApiError {
  error: ErrorCode;
  /** Lower-case, names the field or the cause; never a secret. */
  message: string;
  /** Whether trying again may succeed (contract/errors.ts says how). */
  retryable: boolean;
  /** For `invalid_request`: the request field at fault. */
  field?: string;
  /** For bank errors and `reauth_required`: the bank concerned. */
  aspsp?: string;
  /** For rate limits: seconds to wait. */
  retryAfter?: number;
  /** Echo of `X-Request-ID`, for support. */
  requestId?: string;
}

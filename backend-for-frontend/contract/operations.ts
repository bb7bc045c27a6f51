/**
 * Every operation of the BFF's HTTP API, as a table: method, path, what it takes and what it
 * answers, by schema. The BFF's routes are registered and validated from it, and the OpenAPI
 * document is generated from it (openapi.ts), so a route cannot exist undocumented or answer
 * another shape than its document says.
 */
import { z } from 'zod';
import type { ErrorCode } from './errors.js';
import {
  accountIdSchema,
  accountListSchema,
  aspspDirectorySchema,
  balanceListSchema,
  beneficiariesQuerySchema,
  completeFlowRequestSchema,
  connectedSessionSchema,
  flowResultRequestSchema,
  createFlowRequestSchema,
  createFlowResponseSchema,
  flowIdSchema,
  fundsConfirmationRequestSchema,
  fundsConfirmationSchema,
  healthSchema,
  identitySchema,
  partnerSessionListSchema,
  partnerSessionSchema,
  partnerSessionsQuerySchema,
  readinessSchema,
  sessionIdSchema,
  sessionInfoSchema,
  syncedAccountListSchema,
  syncedBalanceListSchema,
  syncedTransactionPageSchema,
  transactionPageSchema,
  transactionsQuerySchema,
  trustedBeneficiaryListSchema,
  widgetManifestSchema,
} from './schemas.js';

/**
 * Who may call an operation:
 * - `public`: anyone, no header required (operations, the callback, public documents);
 * - `browser`: a partner page: an allowed `Origin` and `X-Bank-Connect: 1`;
 * - `session`: a partner page with a session handle (`Authorization: DPoP <handle>` and a DPoP
 *   proof of the key the handle is bound to, or the cookie and a proof); `Bearer` only for
 *   unbound handles where `BFF_ALLOW_BEARER_HANDLES` lets them through;
 * - `browser-or-session`: a partner page with a DPoP proof (the key a new session is bound to),
 *   and its handle when it reconnects a session;
 * - `partner`: the partner's server, with a partner API key (`Authorization: Bearer bcp_…`), no
 *   `Origin` and no CSRF header; a session handle is refused there.
 */
export type Access = 'public' | 'browser' | 'session' | 'browser-or-session' | 'partner';

/** The version of the HTTP API the operations describe (the document's `info.version`). */
export const API_VERSION = '1.0.0';

export interface Operation {
  readonly method: 'get' | 'post' | 'delete';
  /** OpenAPI path template (`/v1/flows/{flowId}/complete`). */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly access: Access;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** The successful answer; `schema` absent for an empty body. */
  readonly success: {
    readonly status: number;
    readonly description: string;
    readonly schema?: z.ZodType;
    /** Defaults to `application/json`. */
    readonly mediaType?: string;
  };
  /** Other answers that are not `ApiError`s (a 304, the callback's pages). */
  readonly otherResponses?: Readonly<Record<string, { description: string; mediaType?: string }>>;
  /** The errors this operation answers beyond those its access and body imply. */
  readonly errors: readonly ErrorCode[];
}

const BANK_FAILURES = [
  'bank_unavailable',
  'bank_timeout',
  'bank_rate_limited',
  'bank_error',
] as const;
/** What every data route may answer once it calls the bank with the session's tokens. */
const DATA_ERRORS = [
  'access_denied',
  'reauth_required',
  'unknown_aspsp',
  ...BANK_FAILURES,
  'session_store_unavailable',
] as const satisfies readonly ErrorCode[];

const accountParams = z.strictObject({ accountId: accountIdSchema });
const partnerSessionParams = z.strictObject({ sessionId: sessionIdSchema });
const partnerAccountParams = z.strictObject({
  sessionId: sessionIdSchema,
  accountId: accountIdSchema,
});
/** What a partner read of the customer's data may answer beyond the data routes' errors. */
const PARTNER_READ_ERRORS = [
  'not_found',
  'unattended_limit_reached',
  ...DATA_ERRORS,
] as const satisfies readonly ErrorCode[];
const UNATTENDED_NOTE =
  'Sent without the customer (no PSU context). At most 4 reads of one resource per session reach the bank in a rolling 24 hours (PSD2 RTS art. 36(5)); further reads answer the last answer, sealed in the store, with `sync.source: cache` and its `asOf`. A read by the customer’s page refreshes that cache and is not counted. With no cached answer yet, a fifth read is `unattended_limit_reached` with `retryAfter`.';

export const OPERATIONS = {
  listAspsps: {
    method: 'get',
    path: '/v1/aspsps',
    summary: 'The bank directory for the picker.',
    description:
      'Sorted by name in French collation; names and logos, no endpoint and no secret. Cacheable for 5 minutes, with an ETag.',
    access: 'browser',
    success: { status: 200, description: 'The directory.', schema: aspspDirectorySchema },
    otherResponses: { '304': { description: 'Not modified (If-None-Match).' } },
    errors: [],
  },
  createFlow: {
    method: 'post',
    path: '/v1/flows',
    summary: 'Starts a consent flow and answers the bank authorization URL.',
    description:
      'The Origin and returnTo must be an allowed partner origin. Rate limited per client address. With a session handle, reconnects that session at the same bank.',
    access: 'browser-or-session',
    body: createFlowRequestSchema,
    success: { status: 201, description: 'The flow is created.', schema: createFlowResponseSchema },
    errors: ['unknown_aspsp', 'rate_limited', 'session_required', 'session_store_unavailable'],
  },
  callback: {
    method: 'get',
    path: '/v1/callback',
    summary: 'The redirect URI registered with the banks.',
    description:
      "Reached by the customer's browser from the bank, outside the API's Origin and header checks. Popup mode: a page that posts `CallbackMessage` to the opener with targetOrigin = the flow's origin, then closes. Redirect mode (and a popup that lost its opener): 303 to returnTo with the result in the fragment: `#bank_connect_flow=<flowId>&<the bank's response>`.",
    access: 'public',
    success: {
      status: 200,
      description: 'Popup mode: the relay page.',
      mediaType: 'text/html',
    },
    otherResponses: {
      '303': { description: 'Redirect mode: to returnTo, the result in the fragment.' },
      '400': { description: 'No state, or an unknown flow.', mediaType: 'text/html' },
      '409': { description: 'The flow already came back once.', mediaType: 'text/html' },
    },
    errors: [],
  },
  completeFlow: {
    method: 'post',
    path: '/v1/flows/{flowId}/complete',
    summary: 'Exchanges the code once every check has passed; answers a session handle.',
    description:
      'Checks state, single use, expiry, iss (RFC 9207) and S256(codeVerifier) before the code is sent to the bank over mutual TLS. Idempotent for the same verifier: a second call answers the same session.',
    access: 'browser-or-session',
    params: z.strictObject({ flowId: flowIdSchema }),
    body: completeFlowRequestSchema,
    success: { status: 200, description: 'Connected.', schema: connectedSessionSchema },
    errors: [
      'flow_not_found',
      'flow_expired',
      'flow_already_used',
      'state_mismatch',
      'issuer_mismatch',
      'pkce_mismatch',
      'access_denied',
      'authorization_failed',
      'session_required',
      ...BANK_FAILURES,
      'session_store_unavailable',
    ],
  },
  flowResult: {
    method: 'post',
    path: '/v1/flows/{flowId}/result',
    summary: 'How a flow that another tab completed ended, for the tab that started it.',
    description:
      "The tab that started a flow learns on its BroadcastChannel that another tab finished it, but trusts nothing in that message: it asks here, with the flow's PKCE verifier (only the starting page holds it) and a DPoP proof of the key the session was bound to. Answers the same session as the completion did, or `flow_not_completed` while it is not completed.",
    access: 'browser-or-session',
    params: z.strictObject({ flowId: flowIdSchema }),
    body: flowResultRequestSchema,
    success: { status: 200, description: 'Connected.', schema: connectedSessionSchema },
    errors: ['flow_not_found', 'flow_not_completed', 'pkce_mismatch', 'session_store_unavailable'],
  },
  getSession: {
    method: 'get',
    path: '/v1/session',
    summary: 'The session as the page may know it.',
    access: 'session',
    success: { status: 200, description: 'The session.', schema: sessionInfoSchema },
    errors: ['session_store_unavailable'],
  },
  deleteSession: {
    method: 'delete',
    path: '/v1/session',
    summary: 'Forgets the session, revoking its tokens at the bank where it offers revocation.',
    access: 'session',
    success: { status: 204, description: 'The session is forgotten.' },
    errors: ['session_store_unavailable'],
  },
  listAccounts: {
    method: 'get',
    path: '/v1/accounts',
    summary: 'The consented accounts.',
    access: 'session',
    success: { status: 200, description: 'The accounts.', schema: accountListSchema },
    errors: DATA_ERRORS,
  },
  listBalances: {
    method: 'get',
    path: '/v1/accounts/{accountId}/balances',
    summary: "An account's balances.",
    access: 'session',
    params: accountParams,
    success: { status: 200, description: 'The balances.', schema: balanceListSchema },
    errors: ['not_found', ...DATA_ERRORS],
  },
  listTransactions: {
    method: 'get',
    path: '/v1/accounts/{accountId}/transactions',
    summary: "A page of an account's transactions.",
    description:
      '`dateFrom` is inclusive and `dateTo` exclusive; a range longer than the bank allows in one request is split into windows and merged behind the cursor. `cursor` continues a previous page and carries its own dates: it cannot be combined with them.',
    access: 'session',
    params: accountParams,
    query: transactionsQuerySchema,
    success: { status: 200, description: 'One page.', schema: transactionPageSchema },
    errors: ['not_found', ...DATA_ERRORS],
  },
  getIdentity: {
    method: 'get',
    path: '/v1/identity',
    summary: "The connected customer's name.",
    access: 'session',
    success: { status: 200, description: 'The identity.', schema: identitySchema },
    errors: DATA_ERRORS,
  },
  listTrustedBeneficiaries: {
    method: 'get',
    path: '/v1/trusted-beneficiaries',
    summary: "The customer's trusted beneficiaries.",
    access: 'session',
    query: beneficiariesQuerySchema,
    success: {
      status: 200,
      description: 'One page.',
      schema: trustedBeneficiaryListSchema,
    },
    errors: DATA_ERRORS,
  },
  confirmFunds: {
    method: 'post',
    path: '/v1/funds-confirmations',
    summary: 'CBPII: does the account cover this amount?',
    description: 'Needs the cbpii scope. The account is one of the consent, by its id.',
    access: 'session',
    body: fundsConfirmationRequestSchema,
    success: { status: 200, description: "The bank's answer.", schema: fundsConfirmationSchema },
    errors: ['not_found', ...DATA_ERRORS],
  },
  listPartnerSessions: {
    method: 'get',
    path: '/partner/v1/sessions',
    summary: 'The sessions, for the partner’s server.',
    description:
      'Ordered by the end of their consent, soonest first, a page at a time. A renewal moves a session later in this order, so a list read while consents are renewed may show one twice, never skip one. With `status`, a page may hold fewer than `limit`: follow `nextCursor` until it is null.',
    access: 'partner',
    query: partnerSessionsQuerySchema,
    success: { status: 200, description: 'One page.', schema: partnerSessionListSchema },
    errors: ['session_store_unavailable'],
  },
  getPartnerSession: {
    method: 'get',
    path: '/partner/v1/sessions/{sessionId}',
    summary: 'One session, by the id the partner got on success.',
    access: 'partner',
    params: partnerSessionParams,
    success: { status: 200, description: 'The session.', schema: partnerSessionSchema },
    errors: ['not_found', 'session_store_unavailable'],
  },
  deletePartnerSession: {
    method: 'delete',
    path: '/partner/v1/sessions/{sessionId}',
    summary: 'Forgets a session, revoking its tokens at the bank where it offers revocation.',
    description: 'For a customer who leaves the partner. Its cached data goes with it.',
    access: 'partner',
    params: partnerSessionParams,
    success: { status: 204, description: 'The session is forgotten.' },
    errors: ['not_found', 'session_store_unavailable'],
  },
  listPartnerAccounts: {
    method: 'get',
    path: '/partner/v1/sessions/{sessionId}/accounts',
    summary: 'The consented accounts, without the customer.',
    description: UNATTENDED_NOTE,
    access: 'partner',
    params: partnerSessionParams,
    success: { status: 200, description: 'The accounts.', schema: syncedAccountListSchema },
    errors: PARTNER_READ_ERRORS,
  },
  listPartnerBalances: {
    method: 'get',
    path: '/partner/v1/sessions/{sessionId}/accounts/{accountId}/balances',
    summary: "An account's balances, without the customer.",
    description: UNATTENDED_NOTE,
    access: 'partner',
    params: partnerAccountParams,
    success: { status: 200, description: 'The balances.', schema: syncedBalanceListSchema },
    errors: PARTNER_READ_ERRORS,
  },
  listPartnerTransactions: {
    method: 'get',
    path: '/partner/v1/sessions/{sessionId}/accounts/{accountId}/transactions',
    summary: "A page of an account's transactions, without the customer.",
    description: `The query is the browser route's (\`dateFrom\` inclusive, \`dateTo\` exclusive, \`cursor\`). Every page read from the bank counts. ${UNATTENDED_NOTE}`,
    access: 'partner',
    params: partnerAccountParams,
    query: transactionsQuerySchema,
    success: { status: 200, description: 'One page.', schema: syncedTransactionPageSchema },
    errors: PARTNER_READ_ERRORS,
  },
  getWidgetEntry: {
    method: 'get',
    path: '/bank-connect.js',
    summary: 'The <bank-connect> drop-in: the whole integration is a script tag naming this URL.',
    description:
      'An ES module for `<script type="module">`, with the CORS headers a cross-origin module needs. It changes with each release: cached 5 minutes, with an ETag. It re-exports the module of its release, `/bank-connect/{version}/bank-connect.js`, which loads its chunks from the same folder; its `bff` defaults to the BFF it came from.',
    access: 'public',
    success: { status: 200, description: 'The module.', mediaType: 'text/javascript' },
    otherResponses: { '304': { description: 'Not modified (If-None-Match).' } },
    errors: ['widget_unavailable'],
  },
  getWidgetFile: {
    method: 'get',
    path: '/bank-connect/{version}/{file}',
    summary:
      "One of the drop-in's versioned files: the module, which pages may pin, and its chunks.",
    description:
      'Content-hashed or versioned, so cached for a year as immutable. `/v1/widget.json` lists them with their SRI hashes.',
    access: 'public',
    success: { status: 200, description: 'The module.', mediaType: 'text/javascript' },
    otherResponses: { '304': { description: 'Not modified (If-None-Match).' } },
    errors: ['widget_unavailable', 'not_found'],
  },
  getWidgetManifest: {
    method: 'get',
    path: '/v1/widget.json',
    summary: "The drop-in's version and files, each with its Subresource Integrity hash.",
    description:
      'For pages that pin a version: `<script type="module" src="{pinnedEntry.url}" integrity="{pinnedEntry.integrity}">`; an import map can carry the chunks\' integrity too.',
    access: 'public',
    success: { status: 200, description: 'The manifest.', schema: widgetManifestSchema },
    errors: ['widget_unavailable'],
  },
  getOpenApi: {
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This document.',
    access: 'public',
    success: { status: 200, description: 'The OpenAPI 3.1 document.' },
    errors: [],
  },
  getQsealc: {
    method: 'get',
    path: '/v1/qsealc.pem',
    summary: "The TPP's public QSealC, at the URL its signatures name as keyId.",
    access: 'public',
    success: {
      status: 200,
      description: 'The certificate (PEM).',
      mediaType: 'application/x-pem-file',
    },
    errors: [],
  },
  getHealth: {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process serves HTTP. It does not touch the session store.',
    access: 'public',
    success: { status: 200, description: 'Alive.', schema: healthSchema },
    errors: [],
  },
  getReadiness: {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: the session store answers.',
    access: 'public',
    success: { status: 200, description: 'Ready.', schema: readinessSchema },
    errors: ['session_store_unavailable'],
  },
} as const satisfies Record<string, Operation>;

export type OperationId = keyof typeof OPERATIONS;

/** The errors an operation may answer, its own and those its access and body imply. */
export function listOperationErrors(operation: Operation): ErrorCode[] {
  const implied: ErrorCode[] = [];
  if (operation.access === 'partner') implied.push('origin_not_allowed', 'api_key_required');
  else if (operation.access !== 'public') implied.push('origin_not_allowed', 'csrf_header_missing');
  if (operation.params || operation.query || operation.body) implied.push('invalid_request');
  if (operation.body) implied.push('payload_too_large', 'unsupported_media_type');
  if (operation.access === 'session' || operation.access === 'browser-or-session') {
    implied.push('session_required', 'dpop_proof_required', 'invalid_dpop_proof', 'use_dpop_nonce');
  }
  return [...new Set([...implied, ...operation.errors, 'internal_error' as const])];
}

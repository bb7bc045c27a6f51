/**
 * The JSON the backend-for-frontend speaks with the page, defined once: zod schemas from which
 * come the TypeScript types (`z.infer`), the BFF's validation of every request, and the OpenAPI
 * 3.1 document (openapi.ts). The widget and the demo import the types only, which costs them no
 * byte; the BFF imports the schemas.
 *
 * Everything here is bank-agnostic: whatever STET version or quirks a bank has, amounts are
 * decimal strings with a currency, dates are ISO 8601, and no bank token ever appears.
 *
 * Request schemas are strict (an unknown field is refused) and every string has a pattern or a
 * length bound that a JSON Schema validator reads the same way: free text counts code points
 * (the regexes carry the `u` flag), protocol values are ASCII by their RFCs. Response schemas are
 * strict too, so a field the BFF adds without adding it here fails the tests.
 */
import { z } from 'zod';
import { ERROR_CODES } from './errors.js';

/** Names a schema in the OpenAPI document's `components.schemas`. */
function named<T extends z.ZodType>(schema: T, id: string, description: string): T {
  return schema.meta({ id, description });
}

const ISO_DATE = z.iso.date();
const ISO_DATE_TIME = z.iso.datetime();

// ---------------------------------------------------------------------------------------------
// Shared values
// ---------------------------------------------------------------------------------------------

/** OAuth scopes a STET bank grants (STET 1.4.0.47 securityDefinitions). */
export const bankScopeSchema = named(
  z.enum(['aisp', 'cbpii', 'extended_transaction_history']),
  'BankScope',
  'An OAuth scope a STET bank grants (STET 1.4.0.47 securityDefinitions).',
);
export type BankScope = z.infer<typeof bankScopeSchema>;

/** How the page takes the customer to the bank. */
export const flowModeSchema = named(
  z.enum(['popup', 'redirect']),
  'FlowMode',
  'How the page takes the customer to the bank.',
);
export type FlowMode = z.infer<typeof flowModeSchema>;

/** A bank's id in the registry: lower-case letters, digits and dashes. */
const ASPSP_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** A bank's account resource id as the page may send it back (STET 1.5 `accountResourceId`). */
const ACCOUNT_ID = /^[a-zA-Z0-9 \-?:().,'_]{1,100}$/;
/** An opaque cursor: a value sealed by the BFF. */
const CURSOR = /^[A-Za-z0-9._-]{1,4096}$/;

/** An IBAN without spaces (ISO 13616), as the BFF writes it. */
export const IBAN_PATTERN = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;
/** A BIC of 8 or 11 characters (ISO 9362). */
export const BIC_PATTERN = /^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$/;

const aspspId = z.string().regex(ASPSP_ID, 'must be a bank id of the directory');
export const accountIdSchema = z.string().regex(ACCOUNT_ID, 'must be an account id of the bank');
export const flowIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{22}$/, 'must be a flow id of POST /v1/flows');
const cursor = z.string().regex(CURSOR, 'must be a nextCursor of this list');
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code');

/** Signed amounts as the BFF writes them: a dot, no exponent, at least two decimals. */
export const moneySchema = named(
  z.strictObject({
    amount: z
      .string()
      .regex(/^-?(?:0|[1-9]\d{0,14})\.\d{2,20}$/)
      .meta({ examples: ['-12.30', '1500.00', '0.125'] }),
    currency,
  }),
  'Money',
  'A signed decimal amount with its ISO 4217 currency; debits are negative.',
);
export type Money = z.infer<typeof moneySchema>;

// ---------------------------------------------------------------------------------------------
// The directory
// ---------------------------------------------------------------------------------------------

export const aspspSummarySchema = named(
  z.strictObject({
    id: z.string().regex(ASPSP_ID),
    name: z.string(),
    bic: z.string(),
    /** ISO 3166 alpha-2. */
    country: z.string().regex(/^[A-Z]{2}$/),
    /** Absolute URL of a square logo (SVG or PNG). */
    logoUrl: z.string(),
    /** Brand colour, for an accent in the picker. */
    colour: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/)
      .optional(),
    scopes: z.array(bankScopeSchema),
    /** How long a consent lasts at this bank, in days, when the registry says. */
    consentDays: z.int().positive().optional(),
  }),
  'AspspSummary',
  'One bank of the directory, for the picker: names and logos, no endpoint or secret.',
);
export type AspspSummary = z.infer<typeof aspspSummarySchema>;

export const aspspDirectorySchema = named(
  z.strictObject({ aspsps: z.array(aspspSummarySchema) }),
  'AspspDirectory',
  'The bank directory, sorted by name in French collation ("Crédit" between "Caisse" and "LCL").',
);
export type AspspDirectory = z.infer<typeof aspspDirectorySchema>;

// ---------------------------------------------------------------------------------------------
// Consent flows
// ---------------------------------------------------------------------------------------------

const scopeList = z
  .array(bankScopeSchema)
  .min(1)
  .max(3)
  .refine((scopes) => new Set(scopes).size === scopes.length, 'scopes must not repeat')
  .refine(
    (scopes) => scopes.includes('aisp') || scopes.includes('cbpii'),
    'scopes must include aisp or cbpii',
  )
  .refine(
    (scopes) => !scopes.includes('extended_transaction_history') || scopes.includes('aisp'),
    'extended_transaction_history requires aisp',
  )
  // The refinements, as JSON Schema says them.
  .meta({
    uniqueItems: true,
    contains: { enum: ['aisp', 'cbpii'] },
    if: { contains: { const: 'extended_transaction_history' } },
    then: { contains: { const: 'aisp' } },
  });

export const createFlowRequestSchema = named(
  z.strictObject({
    aspsp: aspspId,
    scopes: scopeList,
    /** Opaque, unguessable, per flow (RFC 6749 §10.12): at least 128 bits of base64url. */
    state: z
      .string()
      .regex(/^[A-Za-z0-9_-]{22,256}$/, 'state must be 22 to 256 base64url characters'),
    /** BASE64URL(SHA-256(code_verifier)), RFC 7636 §4.2. */
    codeChallenge: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'codeChallenge must be an S256 challenge'),
    codeChallengeMethod: z.literal('S256', 'codeChallengeMethod must be S256 (RFC 9700 §2.1.1)'),
    mode: flowModeSchema,
    /**
     * Absolute http(s) URL on the calling, allowed origin, where redirect mode comes back (and the
     * popup falls back). A URL as browsers serialise it is ASCII.
     */
    returnTo: z.string().regex(/^[\x21-\x7e]{1,2048}$/, 'returnTo must be an absolute URL'),
  }),
  'CreateFlowRequest',
  'Starts a consent flow. The BFF keeps only the hash of state.',
);
export type CreateFlowRequest = z.infer<typeof createFlowRequestSchema>;

export const createFlowResponseSchema = named(
  z.strictObject({
    flowId: flowIdSchema,
    /** The bank's `/authorize` URL to open in the popup or navigate to. */
    authorizationUrl: z.string(),
    /** The bank's issuer identifier, to check `iss` against (RFC 9207). */
    issuer: z.string(),
    /** Whether the bank sends `iss`: if so, a response without it is refused. */
    issParameterSupported: z.boolean(),
    expiresAt: ISO_DATE_TIME,
  }),
  'CreateFlowResponse',
  'The bank authorization URL of a new flow.',
);
export type CreateFlowResponse = z.infer<typeof createFlowResponseSchema>;

/** RFC 6749 Appendix A: `code`, `state` and `iss` are visible ASCII (VSCHAR). */
const visibleAscii = (field: string, max: number) =>
  z
    .string()
    .regex(new RegExp(`^[\\x20-\\x7e]{1,${max}}$`), `${field} must be 1 to ${max} visible ASCII`);

export const completeFlowRequestSchema = named(
  z.strictObject({
    code: visibleAscii('code', 2048),
    state: visibleAscii('state', 256),
    iss: visibleAscii('iss', 2048).optional(),
    /** RFC 7636 §4.1; checked against the recorded challenge before the bank is called. */
    codeVerifier: z
      .string()
      .regex(/^[A-Za-z0-9\-._~]{43,128}$/, 'codeVerifier must be an RFC 7636 verifier'),
  }),
  'CompleteFlowRequest',
  "Hands the bank's authorization response and the PKCE verifier over.",
);
export type CompleteFlowRequest = z.infer<typeof completeFlowRequestSchema>;

export const flowResultRequestSchema = named(
  z.strictObject({
    /** The flow's PKCE verifier: only the page that started the flow holds it. */
    codeVerifier: completeFlowRequestSchema.shape.codeVerifier,
  }),
  'FlowResultRequest',
  'Asks how a flow that another tab completed ended, with the proof of having started it.',
);
export type FlowResultRequest = z.infer<typeof flowResultRequestSchema>;

/** What `GET /v1/callback` posts to the opener in popup mode (`event.data`). */
export const callbackMessageSchema = named(
  z.strictObject({
    type: z.literal('bank-connect:callback'),
    flowId: flowIdSchema,
    /** The bank's authorization response as a query string: `code`, `state`, `iss`, or `error`. */
    response: z.string(),
  }),
  'CallbackMessage',
  "What the popup callback page posts to the opener: the bank's answer, for the page to complete.",
);
export type CallbackMessage = z.infer<typeof callbackMessageSchema>;

/*
 * In redirect mode (and when a popup lost its opener), `GET /v1/callback` answers 303 to the
 * flow's `returnTo` with the result in the fragment, never the query, so it reaches neither
 * servers nor Referer headers: `#bank_connect_flow=<flowId>&<the bank's response parameters>`.
 */

// ---------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------

/**
 * `active`; `expiring` once the consent ends within the BFF's warning window
 * (`BFF_CONSENT_WARNING_DAYS`): the data still flows, and the customer should renew now;
 * `reauth_required` once it has ended, or the bank has ended it.
 */
export const sessionStatusSchema = z.enum(['active', 'expiring', 'reauth_required']);

/**
 * A session's stable, non-secret id: the same after a renewal, named in webhooks and by the
 * partner-server API. It opens nothing on the browser routes.
 */
export const sessionIdSchema = z.string().regex(/^ses_[A-Za-z0-9_-]{43}$/);

export const sessionInfoSchema = named(
  z.strictObject({
    id: sessionIdSchema,
    aspsp: z.string(),
    scopes: z.array(bankScopeSchema),
    /** When the consent ends and the customer must authenticate again. */
    expiresAt: ISO_DATE_TIME,
    status: sessionStatusSchema,
  }),
  'SessionInfo',
  'What the page may know of its session: never a token.',
);
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const accountSummarySchema = named(
  z.strictObject({
    /** The bank's account resource id. */
    id: z.string().min(1),
    name: z.string(),
    type: z.enum(['current', 'card']),
    /** Last characters of the IBAN or card number, for display; empty when the bank gave none. */
    maskedIdentifier: z.string(),
  }),
  'AccountSummary',
  'An account of the consent, as the success answer lists it.',
);
export type AccountSummary = z.infer<typeof accountSummarySchema>;

export const connectedSessionSchema = named(
  z.strictObject({
    ...sessionInfoSchema.shape,
    /**
     * 256 random bits, base64url; send as `Authorization: DPoP <handle>` with a proof. Absent in
     * cookie mode, where the handle lives only in the HttpOnly cookie.
     */
    sessionHandle: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .optional()
      .describe(
        'Send as `Authorization: DPoP <handle>` with a DPoP proof. Absent in cookie mode: the handle lives only in the HttpOnly `__Host-` cookie.',
      ),
    accounts: z.array(accountSummarySchema),
  }),
  'ConnectedSession',
  'A completed flow: a session handle, never a token.',
);
export type ConnectedSession = z.infer<typeof connectedSessionSchema>;

// ---------------------------------------------------------------------------------------------
// Account information
// ---------------------------------------------------------------------------------------------

export const balanceTypeSchema = z.enum(['booked', 'expected', 'value-date', 'other']);
export type BalanceType = z.infer<typeof balanceTypeSchema>;

export const balanceSchema = named(
  z.strictObject({
    type: balanceTypeSchema,
    name: z.string(),
    amount: moneySchema,
    referenceDate: ISO_DATE.optional(),
    lastChangeDateTime: ISO_DATE_TIME.optional(),
  }),
  'Balance',
  'A balance: CLBD is booked, XPCD expected, VALU value-date, anything else other.',
);
export type Balance = z.infer<typeof balanceSchema>;

export const accountSchema = named(
  z.strictObject({
    ...accountSummarySchema.shape,
    iban: z.string().regex(IBAN_PATTERN).optional(),
    product: z.string().optional(),
    usage: z.enum(['private', 'professional']).optional(),
    holderStatus: z.string().optional(),
    /** For a deferred-debit card: the id of the current account it is settled on. */
    linkedAccountId: z.string().optional(),
    currency,
    /** Present when the bank embeds balances in its account list. */
    balances: z.array(balanceSchema).optional(),
  }),
  'Account',
  'A consented account.',
);
export type Account = z.infer<typeof accountSchema>;

export const accountListSchema = named(
  z.strictObject({ accounts: z.array(accountSchema) }),
  'AccountList',
  'The consented accounts.',
);
export type AccountList = z.infer<typeof accountListSchema>;

export const balanceListSchema = named(
  z.strictObject({ balances: z.array(balanceSchema) }),
  'BalanceList',
  "An account's balances.",
);
export type BalanceList = z.infer<typeof balanceListSchema>;

export const transactionStatusSchema = z.enum(['booked', 'pending', 'other']);
export type TransactionStatus = z.infer<typeof transactionStatusSchema>;

export const transactionSchema = named(
  z.strictObject({
    /** The bank's resourceId, else its entryReference, else a stable hash of the transaction. */
    id: z.string().min(1),
    entryReference: z.string().optional(),
    /** Signed: debits are negative. */
    amount: moneySchema,
    status: transactionStatusSchema,
    /** Dates in the Paris calendar, whatever the bank sends. */
    bookingDate: ISO_DATE.optional(),
    valueDate: ISO_DATE.optional(),
    transactionDate: ISO_DATE.optional(),
    /** The remittance lines joined with a space. */
    description: z.string(),
  }),
  'Transaction',
  'A transaction, signed and dated the same way at every bank.',
);
export type Transaction = z.infer<typeof transactionSchema>;

export const transactionPageSchema = named(
  z.strictObject({
    transactions: z.array(transactionSchema),
    /** Opaque; pass as `cursor` for the next page. `null` on the last page. */
    nextCursor: cursor.nullable(),
  }),
  'TransactionPage',
  'One page of transactions and the cursor of the next.',
);
export type TransactionPage = z.infer<typeof transactionPageSchema>;

export const identitySchema = named(
  z.strictObject({
    fullName: z.string().min(1),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    /** The STET code (MADM, MISS, MIST, DOCT), for the page to translate. */
    namePrefix: z.string().optional(),
  }),
  'Identity',
  "The connected customer's name.",
);
export type Identity = z.infer<typeof identitySchema>;

export const trustedBeneficiarySchema = named(
  z.strictObject({
    id: z.string().optional(),
    name: z.string().min(1),
    iban: z.string().regex(IBAN_PATTERN).optional(),
    bic: z.string().regex(BIC_PATTERN).optional(),
  }),
  'TrustedBeneficiary',
  'A beneficiary the customer trusts at the bank.',
);
export type TrustedBeneficiary = z.infer<typeof trustedBeneficiarySchema>;

export const trustedBeneficiaryListSchema = named(
  z.strictObject({
    beneficiaries: z.array(trustedBeneficiarySchema),
    /** Opaque; pass as `cursor` for the next page. `null` on the last page. */
    nextCursor: cursor.nullable(),
  }),
  'TrustedBeneficiaryList',
  "One page of the customer's trusted beneficiaries and the cursor of the next.",
);
export type TrustedBeneficiaryList = z.infer<typeof trustedBeneficiaryListSchema>;

/**
 * A positive amount as STET 1.4.0.47 `AmountType` allows it (13 integer digits, 5 decimals), no
 * leading zero, at least one cent: banks refuse a zero `instructedAmount`.
 */
const POSITIVE_AMOUNT = /^(?:[1-9]\d{0,12}(?:\.\d{1,5})?|0\.(?:0[1-9]|[1-9]\d)\d{0,3})$/;

export const fundsConfirmationRequestSchema = named(
  z.strictObject({
    accountId: accountIdSchema,
    amount: z.strictObject({
      amount: z
        .string()
        .regex(POSITIVE_AMOUNT, 'amount must be a positive decimal string, at least 0.01')
        .meta({ examples: ['10', '12.30', '0.01'] }),
      currency,
    }),
    /** Who will be paid, as the bank may show the customer (STET `payee`, 70 characters). */
    payee: z
      .string()
      .regex(/^[^\p{Cc}]{1,70}$/u, 'payee must be 1 to 70 characters, no control character')
      .optional(),
  }),
  'FundsConfirmationRequest',
  'CBPII: asks whether the account covers an amount.',
);
export type FundsConfirmationRequest = z.infer<typeof fundsConfirmationRequestSchema>;

export const fundsConfirmationSchema = named(
  z.strictObject({ available: z.boolean() }),
  'FundsConfirmation',
  "The bank's answer: true when the account covers the amount.",
);
export type FundsConfirmation = z.infer<typeof fundsConfirmationSchema>;

// ---------------------------------------------------------------------------------------------
// The partner-server API
// ---------------------------------------------------------------------------------------------

export const partnerSessionSchema = named(
  z.strictObject({
    ...sessionInfoSchema.shape,
    /** When the customer first connected this session. */
    createdAt: ISO_DATE_TIME,
  }),
  'PartnerSession',
  'A session as the partner’s server sees it: its stable id, bank, status and dates; never a handle or a token.',
);
export type PartnerSession = z.infer<typeof partnerSessionSchema>;

export const partnerSessionListSchema = named(
  z.strictObject({
    sessions: z.array(partnerSessionSchema),
    /** Pass as `cursor` for the next page; null on the last one. */
    nextCursor: z.string().nullable(),
  }),
  'PartnerSessionList',
  'One page of sessions, in a stable order.',
);
export type PartnerSessionList = z.infer<typeof partnerSessionListSchema>;

export const syncInfoSchema = named(
  z.strictObject({
    /** `bank`: read from the bank by this call; `cache`: the last answer, kept sealed. */
    source: z.enum(['bank', 'cache']),
    /** When the data was read from the bank. */
    asOf: ISO_DATE_TIME,
    /** Reads of this resource without the customer that may still reach the bank (PSD2 RTS art. 36(5)). */
    budget: z.strictObject({
      limit: z.number().int(),
      remaining: z.number().int(),
      /** When the oldest counted read leaves the rolling 24 hours; null when none is counted. */
      resetsAt: ISO_DATE_TIME.nullable(),
    }),
  }),
  'SyncInfo',
  'Where a partner-server read came from, how old it is, and the reads left without the customer.',
);
export type SyncInfo = z.infer<typeof syncInfoSchema>;

function synced<T extends z.ZodType>(data: T, id: string, what: string) {
  return named(z.strictObject({ data, sync: syncInfoSchema }), id, `${what}, with its SyncInfo.`);
}

export const syncedAccountListSchema = synced(
  accountListSchema,
  'SyncedAccountList',
  'The consented accounts',
);
export const syncedBalanceListSchema = synced(
  balanceListSchema,
  'SyncedBalanceList',
  'An account’s balances',
);
export const syncedTransactionPageSchema = synced(
  transactionPageSchema,
  'SyncedTransactionPage',
  'A page of an account’s transactions',
);

// ---------------------------------------------------------------------------------------------
// Query strings and path parameters
// ---------------------------------------------------------------------------------------------

export const transactionsQuerySchema = z.strictObject({
  /** Inclusive, `YYYY-MM-DD`. */
  dateFrom: ISO_DATE.optional(),
  /** Exclusive, `YYYY-MM-DD`. */
  dateTo: ISO_DATE.optional(),
  /** The previous page's `nextCursor`; it carries its own dates. */
  cursor: cursor.optional(),
});
export type TransactionsQuery = z.infer<typeof transactionsQuerySchema>;

export const beneficiariesQuerySchema = z.strictObject({ cursor: cursor.optional() });

export const partnerSessionsQuerySchema = z.strictObject({
  /** Only the sessions in this status. */
  status: sessionStatusSchema.optional(),
  /** Sessions per page, 1 to 200 (default 50). */
  limit: z
    .string()
    .regex(/^(?:[1-9]\d?|1\d\d|200)$/, 'limit must be a whole number from 1 to 200')
    .optional(),
  /** The previous page's `nextCursor`. */
  cursor: z
    .string()
    .regex(/^\d{1,16}\.[A-Za-z0-9_-]{43}$/, 'cursor must be a nextCursor of this list')
    .optional(),
});

// ---------------------------------------------------------------------------------------------
// Operations and errors
// ---------------------------------------------------------------------------------------------

export const healthSchema = named(
  z.strictObject({ status: z.literal('ok') }),
  'Health',
  'The process serves HTTP.',
);

const certificateStatusSchema = z.strictObject({
  notAfter: ISO_DATE_TIME,
  /** Whole days left; operators renew before it reaches 0 (BFF_CERT_WARNING_DAYS warns). */
  daysLeft: z.int(),
});

export const readinessSchema = named(
  z.strictObject({
    status: z.literal('ready'),
    certificates: z.strictObject({
      qwac: certificateStatusSchema,
      qsealc: certificateStatusSchema,
    }),
  }),
  'Readiness',
  'The session store answers; and how long the eIDAS certificates have left.',
);
export type Readiness = z.infer<typeof readinessSchema>;

const widgetFileSchema = z.strictObject({
  url: z.string(),
  /** Subresource Integrity (W3C SRI §3.1): `sha384-<base64>`. */
  integrity: z.string().regex(/^sha384-[A-Za-z0-9+/]{64}$/),
});

export const widgetManifestSchema = named(
  z.strictObject({
    /** The @bank-connect/widget version this BFF serves. */
    version: z.string(),
    /** The unpinned entry, `/bank-connect.js`: it follows the BFF's upgrades. */
    entry: z.string(),
    /** A copy of the entry under the versioned path, to pin with `integrity`. */
    pinnedEntry: widgetFileSchema,
    files: z.array(widgetFileSchema),
  }),
  'WidgetManifest',
  "The drop-in's version and files, with absolute URLs and SRI hashes.",
);
export type WidgetManifest = z.infer<typeof widgetManifestSchema>;

export const apiErrorSchema = named(
  z.strictObject({
    error: z.enum(ERROR_CODES),
    /** Lower-case, names the field or the cause; never a secret. */
    message: z.string(),
    /** Whether trying again may succeed unchanged (contract/errors.ts says how). */
    retryable: z.boolean(),
    /** For `invalid_request`: the request field at fault, as a dotted path. */
    field: z.string().optional(),
    /** For bank errors and `reauth_required`: the bank concerned. */
    aspsp: z.string().optional(),
    /** For rate limits: seconds to wait. */
    retryAfter: z.int().nonnegative().optional(),
    /** Echo of `X-Request-ID`, for support. */
    requestId: z.string().optional(),
  }),
  'ApiError',
  'Every error the BFF answers has this shape, with a stable error code.',
);
export type ApiError = z.infer<typeof apiErrorSchema>;

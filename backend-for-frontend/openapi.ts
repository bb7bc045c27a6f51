/**
 * The OpenAPI 3.1 description of the BFF's HTTP API, served at `/v1/openapi.json`. It mirrors
 * api-types.ts; test/bff/openapi.test.ts checks the two agree on every endpoint.
 */
import { ERROR_CODES } from './contract/errors.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ 'application/json': { schema } });
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [
      String(status),
      { description: 'ApiError', content: json(ref('ApiError')) },
    ]),
  );
const bearer = [{ sessionHandle: [] }];
const csrf = { name: 'X-Bank-Connect', in: 'header', required: true, schema: { const: '1' } };
const accountId = {
  name: 'accountId',
  in: 'path',
  required: true,
  schema: { type: 'string', maxLength: 100 },
};

const money = {
  type: 'object',
  required: ['amount', 'currency'],
  properties: {
    amount: { type: 'string', pattern: '^-?\\d+\\.\\d{2,5}$', examples: ['-12.30'] },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
  },
};

const scope = { type: 'string', enum: ['aisp', 'cbpii', 'extended_transaction_history'] };

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'bank-connect backend-for-frontend',
    version: '1.0.0',
    description:
      'The API the <bank-connect> element and partner pages call. It never returns a bank token: sessions are opaque handles. Every /v1 call except /v1/callback carries `X-Bank-Connect: 1` and comes from an allowed Origin.',
  },
  components: {
    securitySchemes: {
      sessionHandle: {
        type: 'http',
        scheme: 'bearer',
        description: 'The session handle from /v1/flows/{id}/complete.',
      },
    },
    schemas: {
      ApiError: {
        type: 'object',
        required: ['error', 'message'],
        properties: {
          error: { type: 'string', enum: ERROR_CODES },
          message: { type: 'string' },
          aspsp: { type: 'string' },
          retryAfter: { type: 'integer', minimum: 0 },
          requestId: { type: 'string' },
        },
      },
      AspspSummary: {
        type: 'object',
        required: ['id', 'name', 'bic', 'country', 'logoUrl', 'scopes'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          bic: { type: 'string' },
          country: { type: 'string' },
          logoUrl: { type: 'string', format: 'uri' },
          colour: { type: 'string' },
          scopes: { type: 'array', items: scope },
          consentDays: { type: 'integer', minimum: 1 },
        },
      },
      CreateFlowRequest: {
        type: 'object',
        additionalProperties: false,
        required: [
          'aspsp',
          'scopes',
          'state',
          'codeChallenge',
          'codeChallengeMethod',
          'mode',
          'returnTo',
        ],
        properties: {
          aspsp: { type: 'string' },
          scopes: { type: 'array', items: scope, minItems: 1, maxItems: 3 },
          state: { type: 'string', pattern: '^[A-Za-z0-9_-]{22,256}$' },
          codeChallenge: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
          codeChallengeMethod: { const: 'S256' },
          mode: { type: 'string', enum: ['popup', 'redirect'] },
          returnTo: { type: 'string', format: 'uri' },
        },
      },
      CreateFlowResponse: {
        type: 'object',
        required: ['flowId', 'authorizationUrl', 'issuer', 'issParameterSupported', 'expiresAt'],
        properties: {
          flowId: { type: 'string' },
          authorizationUrl: { type: 'string', format: 'uri' },
          issuer: { type: 'string' },
          issParameterSupported: { type: 'boolean' },
          expiresAt: { type: 'string', format: 'date-time' },
        },
      },
      CompleteFlowRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'state', 'codeVerifier'],
        properties: {
          code: { type: 'string' },
          state: { type: 'string' },
          iss: { type: 'string' },
          codeVerifier: { type: 'string', pattern: '^[A-Za-z0-9._~-]{43,128}$' },
        },
      },
      SessionInfo: {
        type: 'object',
        required: ['aspsp', 'scopes', 'expiresAt', 'status'],
        properties: {
          aspsp: { type: 'string' },
          scopes: { type: 'array', items: scope },
          expiresAt: { type: 'string', format: 'date-time' },
          status: { type: 'string', enum: ['active', 'reauth_required'] },
        },
      },
      ConnectedSession: {
        allOf: [
          ref('SessionInfo'),
          {
            type: 'object',
            required: ['sessionHandle', 'accounts'],
            properties: {
              sessionHandle: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
              accounts: { type: 'array', items: ref('AccountSummary') },
            },
          },
        ],
      },
      Money: money,
      Balance: {
        type: 'object',
        required: ['type', 'name', 'amount'],
        properties: {
          type: { type: 'string', enum: ['booked', 'expected', 'value-date', 'other'] },
          name: { type: 'string' },
          amount: ref('Money'),
          referenceDate: { type: 'string', format: 'date' },
          lastChangeDateTime: { type: 'string', format: 'date-time' },
        },
      },
      AccountSummary: {
        type: 'object',
        required: ['id', 'name', 'type', 'maskedIdentifier'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          type: { type: 'string', enum: ['current', 'card'] },
          maskedIdentifier: { type: 'string' },
        },
      },
      Account: {
        allOf: [
          ref('AccountSummary'),
          {
            type: 'object',
            required: ['currency'],
            properties: {
              iban: { type: 'string' },
              product: { type: 'string' },
              usage: { type: 'string', enum: ['private', 'professional'] },
              holderStatus: { type: 'string' },
              linkedAccountId: { type: 'string' },
              currency: { type: 'string' },
              balances: { type: 'array', items: ref('Balance') },
            },
          },
        ],
      },
      Transaction: {
        type: 'object',
        required: ['id', 'amount', 'status', 'description'],
        properties: {
          id: { type: 'string' },
          entryReference: { type: 'string' },
          amount: ref('Money'),
          status: { type: 'string', enum: ['booked', 'pending', 'other'] },
          bookingDate: { type: 'string', format: 'date' },
          valueDate: { type: 'string', format: 'date' },
          transactionDate: { type: 'string', format: 'date' },
          description: { type: 'string' },
        },
      },
      Identity: {
        type: 'object',
        required: ['fullName'],
        properties: {
          fullName: { type: 'string' },
          firstName: { type: 'string' },
          lastName: { type: 'string' },
          namePrefix: { type: 'string' },
        },
      },
      TrustedBeneficiary: {
        type: 'object',
        required: ['name'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          iban: { type: 'string' },
          bic: { type: 'string' },
        },
      },
    },
  },
  paths: {
    '/v1/aspsps': {
      get: {
        summary:
          'The bank directory for the picker, sorted by name in French collation (no endpoints, no secrets). Cacheable, with an ETag.',
        parameters: [csrf],
        responses: {
          '200': {
            description: 'Directory',
            content: json({
              type: 'object',
              required: ['aspsps'],
              properties: { aspsps: { type: 'array', items: ref('AspspSummary') } },
            }),
          },
          '304': { description: 'Not modified (If-None-Match)' },
          ...errors(403),
        },
      },
    },
    '/v1/flows': {
      post: {
        summary:
          'Starts a consent flow; answers the bank authorization URL. Origin and returnTo must be allowed. Rate limited per client IP. With a session handle, reconnects that session.',
        parameters: [csrf],
        security: [{}, ...bearer],
        requestBody: { required: true, content: json(ref('CreateFlowRequest')) },
        responses: {
          '201': { description: 'Flow created', content: json(ref('CreateFlowResponse')) },
          ...errors(400, 401, 403, 404, 413, 415, 429),
        },
      },
    },
    '/v1/callback': {
      get: {
        summary:
          'The redirect URI registered with the banks. Popup mode: a page that posts the result to the opener (targetOrigin = the flow origin). Redirect mode: 303 to returnTo with the result in the fragment.',
        parameters: ['state', 'code', 'iss', 'error', 'error_description'].map((name) => ({
          name,
          in: 'query',
          schema: { type: 'string' },
        })),
        responses: {
          '200': { description: 'Popup relay page (text/html)' },
          '303': { description: 'Redirect to returnTo#bank_connect_flow=<flowId>&<response>' },
          '400': { description: 'Unknown flow (text/html)' },
          '409': { description: 'Flow already returned (text/html)' },
        },
      },
    },
    '/v1/flows/{flowId}/complete': {
      post: {
        summary:
          'Checks state, single use, expiry, iss (RFC 9207) and S256(codeVerifier) before exchanging the code over mTLS; answers a session handle. Idempotent for the same verifier.',
        parameters: [
          csrf,
          { name: 'flowId', in: 'path', required: true, schema: { type: 'string' } },
        ],
        security: [{}, ...bearer],
        requestBody: { required: true, content: json(ref('CompleteFlowRequest')) },
        responses: {
          '200': { description: 'Connected', content: json(ref('ConnectedSession')) },
          ...errors(400, 401, 403, 404, 409, 410, 502, 504),
        },
      },
    },
    '/v1/session': {
      get: {
        summary: 'The session as the page may know it.',
        parameters: [csrf],
        security: bearer,
        responses: {
          '200': { description: 'Session', content: json(ref('SessionInfo')) },
          ...errors(401),
        },
      },
      delete: {
        summary: 'Forgets the tokens, revoking them at the bank where it offers revocation.',
        parameters: [csrf],
        security: bearer,
        responses: { '204': { description: 'Ended' }, ...errors(401) },
      },
    },
    '/v1/accounts': {
      get: {
        summary: 'The consented accounts.',
        parameters: [csrf],
        security: bearer,
        responses: {
          '200': {
            description: 'Accounts',
            content: json({
              type: 'object',
              required: ['accounts'],
              properties: { accounts: { type: 'array', items: ref('Account') } },
            }),
          },
          ...errors(401, 403, 429, 502, 504),
        },
      },
    },
    '/v1/accounts/{accountId}/balances': {
      get: {
        summary: 'An account’s balances.',
        parameters: [csrf, accountId],
        security: bearer,
        responses: {
          '200': {
            description: 'Balances',
            content: json({
              type: 'object',
              required: ['balances'],
              properties: { balances: { type: 'array', items: ref('Balance') } },
            }),
          },
          ...errors(401, 403, 404, 429, 502, 504),
        },
      },
    },
    '/v1/accounts/{accountId}/transactions': {
      get: {
        summary:
          'A page of an account’s transactions, newest first. `dateFrom` inclusive, `dateTo` exclusive; `cursor` continues a previous page.',
        parameters: [
          csrf,
          accountId,
          { name: 'dateFrom', in: 'query', schema: { type: 'string', format: 'date' } },
          { name: 'dateTo', in: 'query', schema: { type: 'string', format: 'date' } },
          { name: 'cursor', in: 'query', schema: { type: 'string' } },
        ],
        security: bearer,
        responses: {
          '200': {
            description: 'Page',
            content: json({
              type: 'object',
              required: ['transactions', 'nextCursor'],
              properties: {
                transactions: { type: 'array', items: ref('Transaction') },
                nextCursor: { type: ['string', 'null'] },
              },
            }),
          },
          ...errors(400, 401, 403, 404, 429, 502, 504),
        },
      },
    },
    '/v1/identity': {
      get: {
        summary: 'The customer’s name.',
        parameters: [csrf],
        security: bearer,
        responses: {
          '200': { description: 'Identity', content: json(ref('Identity')) },
          ...errors(401, 403, 502, 504),
        },
      },
    },
    '/v1/trusted-beneficiaries': {
      get: {
        summary: 'The customer’s trusted beneficiaries.',
        parameters: [csrf, { name: 'cursor', in: 'query', schema: { type: 'string' } }],
        security: bearer,
        responses: {
          '200': {
            description: 'Beneficiaries',
            content: json({
              type: 'object',
              required: ['beneficiaries', 'nextCursor'],
              properties: {
                beneficiaries: { type: 'array', items: ref('TrustedBeneficiary') },
                nextCursor: { type: ['string', 'null'] },
              },
            }),
          },
          ...errors(401, 403, 502, 504),
        },
      },
    },
    '/v1/funds-confirmations': {
      post: {
        summary: 'CBPII: does the account cover this amount? (Needs the cbpii scope.)',
        parameters: [csrf],
        security: bearer,
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            additionalProperties: false,
            required: ['accountId', 'amount'],
            properties: {
              accountId: { type: 'string' },
              amount: ref('Money'),
              payee: { type: 'string' },
            },
          }),
        },
        responses: {
          '200': {
            description: 'Result',
            content: json({
              type: 'object',
              required: ['available'],
              properties: { available: { type: 'boolean' } },
            }),
          },
          ...errors(400, 401, 403, 404, 502, 504),
        },
      },
    },
    '/healthz': { get: { summary: 'Liveness.', responses: { '200': { description: 'Alive' } } } },
    '/readyz': {
      get: {
        summary: 'Readiness: the session store answers.',
        responses: { '200': { description: 'Ready' }, ...errors(503) },
      },
    },
    '/v1/qsealc.pem': {
      get: {
        summary: 'The public QSealC, at the URL used as the signature keyId.',
        responses: { '200': { description: 'PEM' } },
      },
    },
  },
} as const;

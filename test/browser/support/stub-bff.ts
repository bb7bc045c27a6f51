/**
 * A stand-in for the backend-for-frontend, served by the test runner's dev server under
 * `/stub-bff/<tag>/…`. The tag's first dot-separated word picks a scenario (`ok`, `hold`,
 * `denied`, `bad-iss`, `flows-error`, `complete-error`, `big`, `bad-shape`,
 * `bad-flow-shape`, `nonce`, `flaky-<n>`, `slow-<n>`, `pages`, `held-directory`); the rest makes it unique per test.
 * Its fixtures carry recognisable fake tokens the widget must never copy anywhere.
 *
 * It checks DPoP proofs as the BFF does (RFC 9449 §4.3): a JWS of type `dpop+jwt` whose ES256
 * signature verifies with the public JWK of its header, `htm` and `htu` of the request, `iat`
 * within a minute, a `jti` never seen, `ath` the hash of the handle it comes with, and in the
 * `nonce` scenario the nonce it handed out. A session is bound to the key that completed its flow
 * (the `sh-…` handles of the fixtures, to the first key that uses them); a bound handle opens
 * nothing without a proof of that key, nor as `Bearer`.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { URL, URLSearchParams } from 'node:url';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import type { Context } from 'koa';
import type {
  CompleteFlowRequest,
  ConnectedSession,
  CreateFlowRequest,
  FlowResultRequest,
} from '../../../backend-for-frontend/contract/index.js';
import { ERRORS, type ErrorCode } from '../../../backend-for-frontend/contract/errors.js';

/** Fake secrets planted in the BFF's answers; tests assert none of them leaks. */
export const FAKE_SECRETS = ['FAKE-ACCESS-TOKEN-7f3a', 'FAKE-REFRESH-TOKEN-91bc'];

const BANKS = [
  ['socgen', 'Société Générale', 'SOGEFRPP'],
  ['bnp', 'BNP Paribas', 'BNPAFRPP'],
  ['ca', 'Crédit Agricole', 'AGRIFRPP'],
  ['lbp', 'La Banque Postale', 'PSSTFRPP'],
  ['ce', "Caisse d'Épargne", 'CEPAFRPP'],
  ['bp', 'Banque Populaire', 'CCBPFRPP'],
  ['lcl', 'LCL', 'CRLYFRPP'],
  ['cm', 'Crédit Mutuel', 'CMCIFRPP'],
];

interface StubFlow {
  flowId: string;
  tag: string;
  state: string;
  codeChallenge: string;
  returnTo: string;
  aspsp: string;
  scopes: string[];
  handle: string | undefined;
  issuer: string;
  /** What completing it answered; the result endpoint answers it again. */
  session?: ConnectedSession & Record<string, unknown>;
}

/** A proof the stub accepted, as `_test/proofs` lists it for the tests to read. */
export interface RecordedProof {
  method: string;
  route: string;
  authorization: string;
  header: { typ?: unknown; alg?: unknown; jwk?: JWK };
  payload: Record<string, unknown>;
  jkt: string;
}

const flows = new Map<string, StubFlow>();
const lastFlowByTag = new Map<string, string>();
let counter = 0;
/** The key each session handle is bound to, by tag and handle: tests share no binding. */
const bindings = new Map<string, string>();
/** Every `jti` accepted: a proof is good once. */
const seenJtis = new Set<string>();
const proofsByTag = new Map<string, RecordedProof[]>();
/** Request counts per tag and route, for the scenarios that fail the first requests. */
const attempts = new Map<string, number>();
/** Handles disconnected (`DELETE /v1/session`), by tag and handle. */
const revoked = new Set<string>();
/** The authentication failures answered, by tag, in order. */
const refusalsByTag = new Map<string, ErrorCode[]>();
/** Tags whose held directory was released, and the requests waiting for it. */
const releasedDirectories = new Set<string>();
const directoryWaiters = new Map<string, () => void>();

/** Waiters for `_test/wait-proofs`, resolved as proofs arrive. */
const proofWaiters: { tag: string; count: number; resolve: () => void }[] = [];

function directory(tag: string, origin: string) {
  const list = BANKS.map(([id, name, bic]) => ({ id, name, bic }));
  if (tag.startsWith('big')) {
    for (let index = 0; list.length < 400; index += 1) {
      list.push({ id: `bank-${index}`, name: `Banque Régionale ${index}`, bic: `BR${index}FRPP` });
    }
  }
  return {
    aspsps: list.map((bank) => ({
      ...bank,
      country: 'FR',
      logoUrl: `${origin}/stub-bff/logo.svg`,
      scopes: ['aisp', 'cbpii'],
      access_token: FAKE_SECRETS[0],
    })),
  };
}

function json(ctx: Context, status: number, body: unknown) {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = JSON.stringify(body);
}

/** The `WWW-Authenticate: DPoP` error of each authentication failure (RFC 9449 §7.1). */
const DPOP_CHALLENGES: Partial<Record<ErrorCode, string>> = {
  session_required: '',
  dpop_proof_required: 'invalid_token',
  invalid_dpop_proof: 'invalid_dpop_proof',
  use_dpop_nonce: 'use_dpop_nonce',
};

/** Answers one of the contract's errors, with its status and `retryable` from the table. */
function apiError(
  ctx: Context,
  error: ErrorCode,
  extra: { retryAfter?: number; aspsp?: string } = {},
) {
  const { status, retryable } = ERRORS[error];
  const challenge = DPOP_CHALLENGES[error];
  if (challenge !== undefined) {
    ctx.set('WWW-Authenticate', `DPoP ${challenge ? `error="${challenge}", ` : ''}algs="ES256"`);
  }
  if (extra.retryAfter !== undefined) ctx.set('Retry-After', String(extra.retryAfter));
  json(ctx, status, {
    error,
    message: `stub ${error}`,
    retryable,
    requestId: 'stub-request',
    ...extra,
  });
}

/** The nonce of a `nonce` tag: its own, so that one remembered from another test is wrong. */
function nonceOf(tag: string): string {
  return `nonce-${tag}-${attempts.get(`${tag} rotation`) ?? 0}`;
}

class Refusal extends Error {
  constructor(readonly code: ErrorCode) {
    super(code);
  }
}

/** base64url(SHA-256(handle)): the `ath` a proof sent with this handle must carry. */
function hashHandle(handle: string): string {
  return createHash('sha256').update(handle, 'ascii').digest('base64url');
}

/**
 * Checks the request's DPoP proof as RFC 9449 §4.3 says; undefined without one. Records the
 * proofs it accepts under the tag.
 */
async function verifyProof(
  ctx: Context,
  tag: string,
  route: string,
  htu: string,
): Promise<RecordedProof | undefined> {
  const proof = ctx.get('dpop');
  if (!proof) return undefined;
  let verified: Awaited<ReturnType<typeof jwtVerify>>;
  try {
    verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
  } catch {
    throw new Refusal('invalid_dpop_proof');
  }
  const { payload, protectedHeader } = verified;
  const jwk = protectedHeader.jwk;
  const authorization = ctx.get('authorization');
  const handle = authorization.startsWith('DPoP ') ? authorization.slice(5) : undefined;
  const now = Date.now() / 1000;
  if (
    !jwk ||
    'd' in jwk ||
    payload.htm !== ctx.method ||
    payload.htu !== htu ||
    typeof payload.iat !== 'number' ||
    Math.abs(payload.iat - now) > 60 ||
    typeof payload.jti !== 'string' ||
    payload.jti.length < 16 ||
    seenJtis.has(payload.jti) ||
    (handle !== undefined && payload.ath !== hashHandle(handle))
  ) {
    throw new Refusal('invalid_dpop_proof');
  }
  if (tag.startsWith('nonce') && payload.nonce !== nonceOf(tag)) {
    throw new Refusal('use_dpop_nonce');
  }
  seenJtis.add(payload.jti);
  const recorded: RecordedProof = {
    method: ctx.method,
    route,
    authorization,
    header: protectedHeader,
    payload,
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
  };
  const list = proofsByTag.get(tag) ?? [];
  list.push(recorded);
  proofsByTag.set(tag, list);
  for (const waiter of proofWaiters.filter((candidate) => candidate.tag === tag)) {
    if (list.length >= waiter.count) {
      proofWaiters.splice(proofWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
  return recorded;
}

/**
 * The session handle of a request, checked against its proof: `Authorization: DPoP <handle>` with
 * a proof of the key the handle is bound to (a fixture handle binds to the first key it comes
 * with). `Bearer` is refused.
 */
function authenticate(ctx: Context, tag: string, proof: RecordedProof | undefined): string {
  const authorization = ctx.get('authorization');
  if (authorization.startsWith('Bearer ')) throw new Refusal('dpop_proof_required');
  if (!authorization.startsWith('DPoP ')) throw new Refusal('session_required');
  if (!proof) throw new Refusal('dpop_proof_required');
  const handle = authorization.slice(5);
  if (revoked.has(`${tag} ${handle}`)) throw new Refusal('session_required');
  const bound = bindings.get(`${tag} ${handle}`);
  if (bound === undefined) bindings.set(`${tag} ${handle}`, proof.jkt);
  else if (bound !== proof.jkt) throw new Refusal('invalid_dpop_proof');
  return handle;
}

/** How many times this tag has asked for this route, this one included. */
function countAttempt(tag: string, route: string): number {
  const key = `${tag} ${route}`;
  const count = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, count);
  return count;
}

/** `flaky-<n>`: the first n requests to a route fail retryably, whatever their method. */
function failsFlakily(ctx: Context, tag: string, scenario: string | undefined, route: string) {
  const flaky = /^flaky-(\d+)$/.exec(scenario ?? '');
  if (!flaky || countAttempt(tag, route) > Number(flaky[1])) return false;
  apiError(ctx, 'bank_unavailable', { retryAfter: 0, aspsp: 'socgen' });
  return true;
}

/** The data routes of `createBankConnectClient`, with a handle and a proof. */
function answerData(ctx: Context, tag: string, scenario: string | undefined, route: string) {
  if (failsFlakily(ctx, tag, scenario, route)) return;
  const slow = /^slow-(\d+)$/.exec(scenario ?? '');
  if (slow && countAttempt(tag, route) === 1) {
    return apiError(ctx, 'bank_rate_limited', { retryAfter: Number(slow[1]) });
  }
  if (scenario === 'gateway' && countAttempt(tag, route) === 1) {
    ctx.status = 503;
    ctx.type = 'text/html';
    ctx.body = '<h1>503 Service Unavailable</h1>';
    return;
  }
  if (ctx.method === 'GET' && route === 'v1/accounts') {
    return json(ctx, 200, {
      accounts: [
        {
          id: 'acc 1/a',
          name: 'Compte courant',
          type: 'current',
          maskedIdentifier: '•••• 1234',
          currency: 'EUR',
        },
      ],
    });
  }
  const balances = /^v1\/accounts\/([^/]+)\/balances$/.exec(route);
  if (ctx.method === 'GET' && balances) {
    const accountId = decodeURIComponent(balances[1] ?? '');
    if (accountId !== 'acc 1/a') return apiError(ctx, 'not_found');
    return json(ctx, 200, {
      balances: [
        { type: 'booked', name: 'Solde comptable', amount: { amount: '1234.56', currency: 'EUR' } },
      ],
    });
  }
  const transactions = /^v1\/accounts\/([^/]+)\/transactions$/.exec(route);
  if (ctx.method === 'GET' && transactions) {
    const { cursor, dateFrom, dateTo } = ctx.query as Record<string, string | undefined>;
    if (cursor && (dateFrom || dateTo)) return apiError(ctx, 'invalid_request');
    const page = cursor ? Number(cursor.replace('page-', '')) : 1;
    const last = scenario === 'pages' ? 3 : 1;
    return json(ctx, 200, {
      transactions: [
        {
          id: `t-${page}`,
          amount: { amount: '-12.00', currency: 'EUR' },
          status: 'booked',
          bookingDate: dateFrom ?? '2026-01-01',
          description: `page ${page} ${dateFrom ?? ''}..${dateTo ?? ''}`,
        },
      ],
      nextCursor: page < last ? `page-${page + 1}` : null,
    });
  }
  if (ctx.method === 'GET' && route === 'v1/identity') {
    return json(ctx, 200, { fullName: 'Marie Dupont', firstName: 'Marie', lastName: 'Dupont' });
  }
  return apiError(ctx, 'not_found');
}

/** The widget's request body, typed as the contract says it should be (not checked). */
async function readJson<T>(ctx: Context): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as T;
}

function page(html: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>stub</title></head><body>${html}</body></html>`;
}

/** The callback page of popup mode: posts to the opener, or falls back to the fragment. */
function callbackPage(flowId: string, response: string, returnTo: string) {
  const data = JSON.stringify({ flowId, response, returnTo, target: new URL(returnTo).origin });
  return page(`<script>
    const d = ${data};
    if (window.opener) {
      window.opener.postMessage({ type: 'bank-connect:callback', flowId: d.flowId, response: d.response }, d.target);
      window.close();
    } else {
      location.replace(d.returnTo + '#bank_connect_flow=' + encodeURIComponent(d.flowId) + '&' + d.response);
    }
  </script>`);
}

const CSP_PAGE = page(`<script type="module" src="/test/browser/support/csp-page.ts"></script>`);

/** Koa middleware for `@web/dev-server`. */
export async function stubBff(ctx: Context, next: () => Promise<unknown>) {
  if (!ctx.path.startsWith('/stub-bff/')) return next();
  try {
    await answer(ctx);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    const tag = ctx.path.split('/')[2] ?? '';
    refusalsByTag.set(tag, [...(refusalsByTag.get(tag) ?? []), error.code]);
    apiError(ctx, error.code);
  }
}

async function answer(ctx: Context) {
  const origin = `${ctx.protocol}://${ctx.host}`;
  ctx.set('Access-Control-Allow-Origin', ctx.get('origin') || '*');
  ctx.set('Access-Control-Allow-Headers', 'content-type, authorization, dpop, x-bank-connect');
  ctx.set('Access-Control-Allow-Methods', 'GET, POST, DELETE');
  ctx.set('Access-Control-Expose-Headers', 'DPoP-Nonce, WWW-Authenticate, Retry-After');
  if (ctx.method === 'OPTIONS') {
    ctx.status = 204;
    return;
  }
  if (ctx.path === '/stub-bff/logo.svg') {
    ctx.type = 'image/svg+xml';
    ctx.body =
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="10" fill="#888"/></svg>';
    return;
  }
  if (ctx.path === '/stub-bff/csp-page.html') {
    ctx.type = 'text/html';
    ctx.set(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; " +
        "require-trusted-types-for 'script'; trusted-types lit-html",
    );
    ctx.body = CSP_PAGE;
    return;
  }
  const [, , tag = '', ...rest] = ctx.path.split('/');
  const route = rest.join('/');
  const scenario = tag.split('.')[0];
  const base = `${origin}/stub-bff/${tag}`;
  const needsHeader = route.startsWith('v1/') && route !== 'v1/callback';
  if (needsHeader && ctx.get('x-bank-connect') !== '1') return apiError(ctx, 'csrf_header_missing');
  if (tag.startsWith('nonce') && needsHeader) {
    // `nonce-rotating`: a new nonce for every request, so that no proof ever has the current one.
    if (scenario === 'nonce-rotating') attempts.set(`${tag} rotation`, Math.random());
    // RFC 9449 §8: every answer hands out the current nonce, which changes when a test says.
    ctx.set('DPoP-Nonce', nonceOf(tag));
  }
  const proof =
    needsHeader && route !== 'v1/aspsps'
      ? await verifyProof(ctx, tag, route, `${base}/${route}`)
      : undefined;

  if (ctx.method === 'GET' && route === 'v1/aspsps') {
    if (scenario === 'directory-error') return apiError(ctx, 'internal_error');
    // `held-directory`: the directory answers once the test posts `_test/release-directory`.
    if (scenario === 'held-directory' && !releasedDirectories.has(tag)) {
      await new Promise<void>((resolve) => directoryWaiters.set(tag, resolve));
    }
    // A bank whose name is a number: not the contract's AspspSummary.
    if (scenario === 'bad-shape') return json(ctx, 200, { aspsps: [{ id: 'lcl', name: 7 }] });
    return json(ctx, 200, directory(tag, origin));
  }
  if (ctx.method === 'DELETE' && route === 'v1/session') {
    const handle = authenticate(ctx, tag, proof);
    if (failsFlakily(ctx, tag, scenario, route)) return;
    revoked.add(`${tag} ${handle}`);
    ctx.status = 204;
    return;
  }
  if (ctx.method === 'GET' && route === 'v1/session') {
    const handle = authenticate(ctx, tag, proof);
    if (handle.startsWith('sh-flow-')) {
      return json(ctx, 200, {
        id: `ses_${handle.padEnd(43, 'x')}`,
        aspsp: 'lcl',
        scopes: ['aisp'],
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        status: 'active',
      });
    }
    const status = {
      'sh-reauth': 'reauth_required',
      'sh-active': 'active',
      'sh-expiring': 'expiring',
    }[handle ?? ''];
    if (!status) return apiError(ctx, 'session_required');
    return json(ctx, 200, {
      id: `ses_${'s'.repeat(43)}`,
      aspsp: 'socgen',
      scopes: ['aisp'],
      // An expiring consent ends on 2030-03-14; the others a day from now.
      expiresAt:
        status === 'expiring'
          ? '2030-03-14T10:00:00.000Z'
          : new Date(Date.now() + 86_400_000).toISOString(),
      status,
    });
  }
  if (ctx.method === 'POST' && route === 'v1/flows') {
    if (!proof) return apiError(ctx, 'dpop_proof_required');
    const handle = ctx.get('authorization') ? authenticate(ctx, tag, proof) : undefined;
    const body = await readJson<CreateFlowRequest>(ctx);
    if (scenario === 'flows-error') return apiError(ctx, 'bank_unavailable');
    if (scenario === 'bad-flow-shape') return json(ctx, 201, { flowId: 'x' });
    if (!BANKS.some(([id]) => id === body.aspsp) && !String(body.aspsp).startsWith('bank-')) {
      return apiError(ctx, 'unknown_aspsp');
    }
    counter += 1;
    const flowId = `flow-${counter}-${Date.now().toString(36)}`;
    const issuer = `https://bank.example/${body.aspsp}`;
    flows.set(flowId, {
      flowId,
      tag,
      state: body.state,
      codeChallenge: body.codeChallenge,
      returnTo: body.returnTo,
      aspsp: body.aspsp,
      scopes: body.scopes,
      handle,
      issuer,
    });
    lastFlowByTag.set(tag, flowId);
    const authorizationUrl = `${base}/bank/authorize?flow=${flowId}&state=${encodeURIComponent(body.state)}`;
    return json(ctx, 201, {
      flowId,
      authorizationUrl,
      issuer,
      issParameterSupported: true,
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
    });
  }
  const complete = /^v1\/flows\/([^/]+)\/complete$/.exec(route);
  if (ctx.method === 'POST' && complete) {
    if (!proof) return apiError(ctx, 'dpop_proof_required');
    const body = await readJson<CompleteFlowRequest>(ctx);
    const flow = flows.get(decodeURIComponent(complete[1] ?? ''));
    if (!flow) return apiError(ctx, 'flow_not_found');
    if (scenario === 'complete-error') return apiError(ctx, 'bank_error');
    const challenge = createHash('sha256').update(String(body.codeVerifier)).digest('base64url');
    if (challenge !== flow.codeChallenge) return apiError(ctx, 'pkce_mismatch');
    if (body.state !== flow.state) return apiError(ctx, 'state_mismatch');
    if (body.code !== `code-${flow.flowId}`) return apiError(ctx, 'authorization_failed');
    if (flow.handle && authenticate(ctx, tag, proof) !== flow.handle) {
      return apiError(ctx, 'session_required');
    }
    if (!flow.session) {
      const sessionHandle = flow.handle ?? `sh-${flow.flowId}`;
      // Completion binds the session to the key of its proof.
      bindings.set(`${tag} ${sessionHandle}`, proof.jkt);
      flow.session = {
        sessionHandle,
        id: `ses_${flow.flowId.padEnd(43, 'x')}`,
        aspsp: flow.aspsp,
        scopes: flow.scopes as ConnectedSession['scopes'],
        expiresAt: new Date(Date.now() + 180 * 86_400_000).toISOString(),
        status: 'active',
        accounts: [
          { id: 'acc-1', name: 'Compte courant', type: 'current', maskedIdentifier: '•••• 1234' },
        ],
        access_token: FAKE_SECRETS[0],
        refresh_token: FAKE_SECRETS[1],
      };
    }
    return json(ctx, 200, flow.session);
  }
  const result = /^v1\/flows\/([^/]+)\/result$/.exec(route);
  if (ctx.method === 'POST' && result) {
    if (!proof) return apiError(ctx, 'dpop_proof_required');
    if (ctx.get('authorization')) return apiError(ctx, 'invalid_request');
    const body = await readJson<FlowResultRequest>(ctx);
    const flow = flows.get(decodeURIComponent(result[1] ?? ''));
    if (!flow) return apiError(ctx, 'flow_not_found');
    const challenge = createHash('sha256').update(String(body.codeVerifier)).digest('base64url');
    if (challenge !== flow.codeChallenge) return apiError(ctx, 'pkce_mismatch');
    if (!flow.session) return apiError(ctx, 'flow_not_completed');
    if (bindings.get(`${tag} ${flow.session.sessionHandle}`) !== proof.jkt) {
      return apiError(ctx, 'invalid_dpop_proof');
    }
    return json(ctx, 200, flow.session);
  }
  if (ctx.method === 'GET' && route === 'bank/authorize') {
    const flow = flows.get(String(ctx.query.flow));
    if (!flow) return apiError(ctx, 'flow_not_found');
    ctx.type = 'text/html';
    if (scenario === 'hold') {
      ctx.body = page('<p>stub bank: signing in…</p>');
      return;
    }
    const response = new URLSearchParams({ state: flow.state });
    if (scenario === 'denied') response.set('error', 'access_denied');
    else response.set('code', `code-${flow.flowId}`);
    response.set('iss', scenario === 'bad-iss' ? 'https://evil.example/' : flow.issuer);
    ctx.redirect(`${base}/v1/callback?flow=${flow.flowId}&${response.toString()}`);
    return;
  }
  if (ctx.method === 'GET' && route === 'v1/callback') {
    const params = new URLSearchParams(ctx.querystring);
    const flow = flows.get(params.get('flow') ?? '');
    if (!flow) return apiError(ctx, 'flow_not_found');
    params.delete('flow');
    ctx.type = 'text/html';
    ctx.body = callbackPage(flow.flowId, params.toString(), flow.returnTo);
    return;
  }
  if (ctx.method === 'POST' && route === '_test/release-directory') {
    releasedDirectories.add(tag);
    directoryWaiters.get(tag)?.();
    return json(ctx, 200, {});
  }
  if (ctx.method === 'GET' && route === '_test/proofs') {
    return json(ctx, 200, proofsByTag.get(tag) ?? []);
  }
  if (ctx.method === 'GET' && route === '_test/wait-proofs') {
    // Answers once the tag has `count` proofs: a test waits on the widget's request, not a timer.
    const count = Number(ctx.query.count);
    if ((proofsByTag.get(tag)?.length ?? 0) < count) {
      await new Promise<void>((resolve) => proofWaiters.push({ tag, count, resolve }));
    }
    return json(ctx, 200, proofsByTag.get(tag) ?? []);
  }
  if (ctx.method === 'GET' && route === '_test/refusals') {
    return json(ctx, 200, refusalsByTag.get(tag) ?? []);
  }
  if (ctx.method === 'POST' && route === '_test/rotate-nonce') {
    attempts.set(`${tag} rotation`, (attempts.get(`${tag} rotation`) ?? 0) + 1);
    return json(ctx, 200, { nonce: nonceOf(tag) });
  }
  if (route.startsWith('v1/')) {
    authenticate(ctx, tag, proof);
    return answerData(ctx, tag, scenario, route);
  }
  if (ctx.method === 'GET' && route === '_test/last-flow') {
    const flow = flows.get(lastFlowByTag.get(tag) ?? '');
    if (!flow) return apiError(ctx, 'flow_not_found');
    return json(ctx, 200, {
      flowId: flow.flowId,
      state: flow.state,
      issuer: flow.issuer,
      code: `code-${flow.flowId}`,
    });
  }
  return apiError(ctx, 'not_found');
}

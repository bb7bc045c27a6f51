/**
 * A stand-in for the backend-for-frontend, served by the test runner's dev server under
 * `/stub-bff/<tag>/…`. The tag's first dot-separated word picks a scenario (`ok`, `hold`,
 * `denied`, `bad-iss`, `flows-error`, `complete-error`, `big`, `bad-shape`,
 * `bad-flow-shape`); the rest makes it unique per test.
 * Its fixtures carry recognisable fake tokens the widget must never copy anywhere.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { URL, URLSearchParams } from 'node:url';
import type { Context } from 'koa';
import type {
  CompleteFlowRequest,
  CreateFlowRequest,
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
}

const flows = new Map<string, StubFlow>();
const lastFlowByTag = new Map<string, string>();
let counter = 0;

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

/** Answers one of the contract's errors, with its status and `retryable` from the table. */
function apiError(ctx: Context, error: ErrorCode) {
  const { status, retryable } = ERRORS[error];
  json(ctx, status, { error, message: `stub ${error}`, retryable, requestId: 'stub-request' });
}

/** The widget's request body, typed as the contract says it should be (not checked). */
async function readJson<T>(ctx: Context): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as T;
}

function bearer(ctx: Context) {
  const header = ctx.get('authorization');
  return header.startsWith('Bearer ') ? header.slice(7) : undefined;
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
  const origin = `${ctx.protocol}://${ctx.host}`;
  ctx.set('Access-Control-Allow-Origin', ctx.get('origin') || '*');
  ctx.set('Access-Control-Allow-Headers', 'content-type, authorization, x-bank-connect');
  ctx.set('Access-Control-Allow-Methods', 'GET, POST');
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

  if (ctx.method === 'GET' && route === 'v1/aspsps') {
    if (scenario === 'directory-error') return apiError(ctx, 'internal_error');
    // A bank whose name is a number: not the contract's AspspSummary.
    if (scenario === 'bad-shape') return json(ctx, 200, { aspsps: [{ id: 'lcl', name: 7 }] });
    return json(ctx, 200, directory(tag, origin));
  }
  if (ctx.method === 'GET' && route === 'v1/session') {
    const handle = bearer(ctx);
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
      handle: bearer(ctx),
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
    const body = await readJson<CompleteFlowRequest>(ctx);
    const flow = flows.get(decodeURIComponent(complete[1] ?? ''));
    if (!flow) return apiError(ctx, 'flow_not_found');
    if (scenario === 'complete-error') return apiError(ctx, 'bank_error');
    const challenge = createHash('sha256').update(String(body.codeVerifier)).digest('base64url');
    if (challenge !== flow.codeChallenge) return apiError(ctx, 'pkce_mismatch');
    if (body.state !== flow.state) return apiError(ctx, 'state_mismatch');
    if (body.code !== `code-${flow.flowId}`) return apiError(ctx, 'authorization_failed');
    if (flow.handle && bearer(ctx) !== flow.handle) return apiError(ctx, 'session_required');
    return json(ctx, 200, {
      sessionHandle: flow.handle ?? `sh-${flow.flowId}`,
      id: `ses_${flow.flowId.padEnd(43, 'x')}`,
      aspsp: flow.aspsp,
      scopes: flow.scopes,
      expiresAt: new Date(Date.now() + 180 * 86_400_000).toISOString(),
      status: 'active',
      accounts: [
        { id: 'acc-1', name: 'Compte courant', type: 'current', maskedIdentifier: '•••• 1234' },
      ],
      access_token: FAKE_SECRETS[0],
      refresh_token: FAKE_SECRETS[1],
    });
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

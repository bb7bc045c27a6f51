/**
 * The consent flow: `POST /v1/flows` starts it, the bank sends the customer to
 * `GET /v1/callback`, which hands the result back to the page, and
 * `POST /v1/flows/{id}/complete` exchanges the code once every check has passed.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type {
  AccountSummary,
  CallbackMessage,
  CompleteFlowRequest,
  ConnectedSession,
  CreateFlowResponse,
} from '../contract/index.js';
import { OPERATIONS } from '../contract/operations.js';
import { findBank, type BffContext } from '../context.js';
import { BffError, invalidRequest } from '../errors.js';
import { limitRate, readClientAddress, readHandle, setSessionCookie } from '../http.js';
import { hashSecret, secretsMatch } from '../sessions/handles.js';
import type { FlowRecord, SessionRecord } from '../sessions/store.js';
import { normaliseAccounts } from '../stet/normalise.js';
import { renderCallbackPage } from './callback-page.js';
import { createServe } from './operation.js';

/** The authorization-response parameters the callback forwards; nothing else reaches the page. */
const FORWARDED = ['code', 'state', 'iss', 'error', 'error_description'] as const;

function challengeOf(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

function equalStrings(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** RFC 9700 §4.11: the BFF must not be an open redirector; returnTo stays on the caller's origin. */
function checkReturnTo(value: string, origin: string, allowed: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidRequest('returnTo must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalidRequest('returnTo must be http(s)');
  if (url.username || url.password) throw invalidRequest('returnTo must not carry credentials');
  if (url.origin !== origin || !allowed.includes(url.origin)) {
    throw new BffError('origin_not_allowed', 'returnTo must be on the calling, allowed origin');
  }
  url.hash = '';
  return url.href;
}

function requireOrigin(req: Request, context: BffContext): string {
  const origin = req.get('origin');
  if (!origin || !context.config.allowedOrigins.includes(origin)) {
    throw new BffError(
      'origin_not_allowed',
      'the Origin header must name an allowed partner origin',
    );
  }
  return origin;
}

export function createFlowsRouter(context: BffContext): Router {
  const router = express.Router();
  const serve = createServe(router, context);
  const { config, store, sealer, sessions } = context;
  const completing = new Map<string, Promise<ConnectedSession>>();

  serve(
    OPERATIONS.createFlow,
    async ({ body: input }, req, res) => {
      const origin = requireOrigin(req, context);
      const bank = findBank(context, input.aspsp);
      const unsupported = input.scopes.find((scope) => !bank.aspsp.scopes.includes(scope));
      if (unsupported)
        throw invalidRequest(`scope ${unsupported} is not offered by ${bank.aspsp.id}`);
      const returnTo = checkReturnTo(input.returnTo, origin, config.allowedOrigins);

      let sessionId: string | null = null;
      const handleValue = readHandle(req, config.cookieMode);
      if (handleValue) {
        const session = await sessions.findSession(handleValue);
        if (session.aspsp !== bank.aspsp.id) {
          throw invalidRequest('a reconnect must use the bank of the session');
        }
        sessionId = session.id;
      }

      const now = context.now();
      const flow: FlowRecord = {
        id: randomBytes(16).toString('base64url'),
        stateHash: hashSecret(input.state),
        codeChallenge: input.codeChallenge,
        aspsp: bank.aspsp.id,
        scopes: input.scopes,
        mode: input.mode,
        origin,
        returnTo,
        createdAt: now,
        expiresAt: now + config.flowTtlSeconds * 1000,
        status: 'pending',
        sessionId,
        completion: null,
      };
      if (await store.findFlowByStateHash(flow.stateHash))
        throw invalidRequest('state was already used');
      await store.insertFlow(flow);
      const body: CreateFlowResponse = {
        flowId: flow.id,
        authorizationUrl: bank.buildAuthorizationUrl({
          state: input.state,
          codeChallenge: input.codeChallenge,
          scopes: input.scopes,
        }),
        issuer: bank.aspsp.issuer,
        issParameterSupported: bank.aspsp.profile.issParameterSupported,
        expiresAt: new Date(flow.expiresAt).toISOString(),
      };
      res.status(201).set('Cache-Control', 'no-store').json(body);
    },
    [limitRate({ limit: config.flowsPerMinute, windowMs: 60_000, now: context.now })],
  );

  const summarise = async (record: SessionRecord, req: Request): Promise<AccountSummary[]> => {
    if (!record.scopes.includes('aisp')) return [];
    try {
      const { body } = await sessions.callBank(record, {
        method: 'GET',
        path: '/accounts',
        ...psuIp(req),
      });
      return body === undefined
        ? []
        : normaliseAccounts(body).map(({ id, name, type, maskedIdentifier }) => ({
            id,
            name,
            type,
            maskedIdentifier,
          }));
    } catch (error) {
      context.logger.warn(
        { aspsp: record.aspsp, code: (error as BffError).code },
        'could not list accounts after consent',
      );
      return [];
    }
  };

  const connected = (
    record: SessionRecord,
    handleValue: string,
    accounts: AccountSummary[],
  ): ConnectedSession => ({
    ...sessions.describe(record),
    sessionHandle: handleValue,
    accounts,
  });

  const complete = async (
    req: Request,
    flow: FlowRecord,
    input: CompleteFlowRequest,
  ): Promise<ConnectedSession> => {
    const bank = findBank(context, flow.aspsp);
    if (flow.status === 'pending')
      throw invalidRequest('the bank has not sent the customer back for this flow yet');
    if (flow.status !== 'returned')
      throw new BffError('flow_already_used', 'this flow was already completed');
    const params = new URLSearchParams({ code: input.code, state: input.state });
    if (input.iss !== undefined) params.set('iss', input.iss);
    const validated = bank.validateAuthorizationResponse(params);

    let renewing: string | undefined;
    if (flow.sessionId) {
      const handleValue = readHandle(req, config.cookieMode);
      if (!handleValue || hashSecret(handleValue) !== flow.sessionId) {
        throw new BffError(
          'session_required',
          'a reconnect must be completed with the session it renews',
        );
      }
      renewing = handleValue;
    }
    if (!(await store.transitionFlow(flow.id, 'returned', { status: 'exchanging' }))) {
      throw new BffError('flow_already_used', 'this flow was already completed');
    }
    const tokens = await bank.exchangeCode(validated, input.codeVerifier);
    let record: SessionRecord;
    let handleValue: string;
    if (renewing && flow.sessionId) {
      record = await sessions.renewSession(flow.sessionId, tokens, flow.scopes);
      handleValue = renewing;
    } else {
      ({ record, handle: handleValue } = await sessions.createSession(
        flow.aspsp,
        tokens,
        flow.scopes,
      ));
    }
    const completion = sealer.seal(JSON.stringify({ handle: handleValue }), flow.id);
    await store.transitionFlow(flow.id, 'exchanging', { status: 'completed', completion });
    return connected(record, handleValue, await summarise(record, req));
  };

  serve(OPERATIONS.completeFlow, async ({ params, body: input }, req, res) => {
    const origin = requireOrigin(req, context);
    const flow = await store.getFlow(params.flowId);
    if (!flow) throw new BffError('flow_not_found', 'no such flow');
    if (flow.origin !== origin)
      throw new BffError('origin_not_allowed', 'the flow belongs to another origin');
    // Both proofs before anything else, the bank included: only the page that started the flow
    // holds the state and the verifier (RFC 7636 §4.6, checked here before the code is spent).
    if (!secretsMatch(input.state, flow.stateHash))
      throw new BffError('state_mismatch', 'state does not match the flow');
    if (!equalStrings(challengeOf(input.codeVerifier), flow.codeChallenge)) {
      throw new BffError(
        'pkce_mismatch',
        'codeVerifier does not match the code challenge of the flow',
      );
    }

    let result: ConnectedSession;
    if (flow.status === 'completed' && flow.completion) {
      // Completing twice is harmless: the same verifier gets the same session back.
      const done = JSON.parse(sealer.open(flow.completion, flow.id)) as { handle: string };
      const record = await sessions.findSession(done.handle);
      result = connected(record, done.handle, await summarise(record, req));
    } else if (completing.has(flow.id)) {
      result = await (completing.get(flow.id) as Promise<ConnectedSession>);
    } else {
      if (flow.expiresAt <= context.now())
        throw new BffError('flow_expired', 'the flow has expired: start again');
      const running = complete(req, flow, input).finally(() => completing.delete(flow.id));
      completing.set(flow.id, running);
      result = await running;
    }
    if (config.cookieMode)
      setSessionCookie(res, result.sessionHandle, Date.parse(result.expiresAt));
    res.set('Cache-Control', 'no-store').json(result);
  });

  return router;
}

/** STET PSU-IP-Address: the customer is present when the page calls (NOTES.md §4). */
export function psuIp(req: Request): { psuIpAddress?: string } {
  const ip = readClientAddress(req);
  return ip ? { psuIpAddress: ip } : {};
}

/**
 * `GET /v1/callback`, the single redirect URI (RFC 6749 §3.1.2): reached by top-level navigation
 * from the bank, so it sits outside the CORS and custom-header checks of the API. It finds the
 * flow by the hash of `state`, refuses unknown, expired or used ones, and hands the result back.
 */
export function createCallbackRouter(context: BffContext): Router {
  const router = express.Router();
  const serve = createServe(router, context);
  const { store } = context;

  /** Hands the bank's answer to the page: postMessage to the opener, or a fragment redirect. */
  const deliver = (res: Response, flow: FlowRecord, response: URLSearchParams) => {
    const fragment = new URLSearchParams({ bank_connect_flow: flow.id });
    for (const [name, value] of response) fragment.append(name, value);
    const fallback = `${flow.returnTo}#${fragment.toString()}`;
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    if (flow.mode === 'redirect') return void res.redirect(303, fallback);
    const message: CallbackMessage = {
      type: 'bank-connect:callback',
      flowId: flow.id,
      response: response.toString(),
    };
    const page = renderCallbackPage({ message, targetOrigin: flow.origin, fallback });
    res.set({
      'Content-Security-Policy': page.contentSecurityPolicy,
      // The popup must keep its opener to post back; helmet's same-origin default would sever it.
      'Cross-Origin-Opener-Policy': 'unsafe-none',
    });
    res.status(200).type('html').send(page.html);
  };

  const refuseCallback = (res: Response, status: number, message: string) => {
    res.set({
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': "default-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    });
    res.status(status).type('html').send(renderCallbackPage.refusal(message));
  };

  serve(OPERATIONS.callback, async (_input, req, res) => {
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const state = query.get('state');
    if (!state || query.getAll('state').length > 1)
      return refuseCallback(res, 400, 'missing-state');
    const flow = await store.findFlowByStateHash(hashSecret(state));
    if (!flow) return refuseCallback(res, 400, 'unknown-flow');
    const response = new URLSearchParams();
    for (const name of FORWARDED) {
      const value = query.get(name);
      if (value !== null) response.set(name, value.slice(0, 2048));
    }
    if (flow.status !== 'pending') return refuseCallback(res, 409, 'used-flow');
    if (flow.expiresAt <= context.now()) {
      return deliver(res, flow, new URLSearchParams({ error: 'flow_expired', state }));
    }
    if (!(await store.transitionFlow(flow.id, 'pending', { status: 'returned' }))) {
      return refuseCallback(res, 409, 'used-flow');
    }
    deliver(res, flow, response);
  });

  return router;
}

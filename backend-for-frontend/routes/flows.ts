/**
 * The consent flow's routes: `POST /v1/flows` starts it, the bank sends the customer to
 * `GET /v1/callback`, which hands the result back to the page, and
 * `POST /v1/flows/{id}/complete` exchanges the code once every check has passed; another tab of
 * the page that started the flow asks `POST /v1/flows/{id}/result` how it ended. Every one of
 * them carries a DPoP proof: the key that starts a flow is the one its session is bound to. The flow itself
 * is the FlowService's (flows/flow-service.ts); these adapt it to HTTP.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { CallbackMessage } from '../contract/index.js';
import { OPERATIONS } from '../contract/operations.js';
import type { BffContext } from '../context.js';
import { BffError } from '../errors.js';
import { requireProof } from '../dpop/browser-auth.js';
import { limitFlows, readPsuContext, setSessionCookie } from '../http.js';
import type { ConnectedSession } from '../flows/flow-service.js';
import type { FlowRecord } from '../sessions/store.js';
import { renderCallbackPage } from './callback-page.js';
import { createServe, type Caller } from './operation.js';

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

/**
 * Answers a completed flow. In cookie mode the handle goes only into the HttpOnly cookie, never
 * into the body, so that no script of the page can read it (the session is still bound to the
 * page's DPoP key).
 */
function answerConnected(res: Response, session: ConnectedSession, cookieMode: boolean): void {
  res.set('Cache-Control', 'no-store');
  if (!cookieMode) return void res.json(session);
  setSessionCookie(res, session.sessionHandle, Date.parse(session.expiresAt));
  res.json({ ...session, sessionHandle: undefined });
}

/**
 * The session a new flow renews: the one whose handle the page sent. The cookie goes with every
 * call, so in cookie mode it renews only a session at the chosen bank; at another bank the flow
 * connects a new session, whose cookie replaces this one in the browser.
 */
function reconnectedHandle(caller: Caller, aspsp: string): string | undefined {
  const authenticated = caller.authenticated;
  if (caller.credentials.scheme === 'cookie' && authenticated?.session.aspsp !== aspsp) return;
  return authenticated?.handle;
}

export function createFlowsRouter(context: BffContext): Router {
  const router = express.Router();
  const serve = createServe(router, context);
  const { config, flows } = context;

  serve(
    OPERATIONS.createFlow,
    async ({ body, caller }, req, res) => {
      const created = await flows.startFlow({
        request: body,
        origin: requireOrigin(req, context),
        handle: reconnectedHandle(caller, body.aspsp),
        dpopJkt: requireProof(context, caller.credentials),
      });
      res.status(201).set('Cache-Control', 'no-store').json(created);
    },
    [
      limitFlows({
        limit: config.flowsPerMinute,
        windowMs: 60_000,
        counter: context.store.hitCounter,
      }),
    ],
  );

  serve(OPERATIONS.completeFlow, async ({ params, body, caller }, req, res) => {
    const origin = requireOrigin(req, context);
    const session = await flows.completeFlow({
      flowId: params.flowId,
      request: body,
      origin,
      handle: caller.authenticated?.handle,
      psu: readPsuContext(req, config.cookieMode),
      dpopJkt: requireProof(context, caller.credentials),
    });
    answerConnected(res, session, config.cookieMode);
  });

  serve(OPERATIONS.flowResult, async ({ params, body, caller }, req, res) => {
    const origin = requireOrigin(req, context);
    const dpopJkt = caller.credentials.jkt;
    if (dpopJkt === undefined) {
      throw new BffError(
        'dpop_proof_required',
        'send a DPoP proof by the key the flow was started with',
      );
    }
    const session = await flows.flowResult({
      flowId: params.flowId,
      codeVerifier: body.codeVerifier,
      origin,
      dpopJkt,
      psu: readPsuContext(req, config.cookieMode),
    });
    answerConnected(res, session, config.cookieMode);
  });

  return router;
}

/**
 * `GET /v1/callback`, the single redirect URI (RFC 6749 §3.1.2): reached by top-level navigation
 * from the bank, so it sits outside the CORS and custom-header checks of the API. The FlowService
 * decides; this renders its decision: a relay page, a redirect, or a refusal page.
 */
export function createCallbackRouter(context: BffContext): Router {
  const router = express.Router();
  const serve = createServe(router, context);

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
    const outcome = await context.flows.receiveCallback(
      new URLSearchParams(req.originalUrl.split('?')[1] ?? ''),
    );
    if (outcome.kind === 'refuse') refuseCallback(res, outcome.status, outcome.reason);
    else deliver(res, outcome.flow, outcome.response);
  });

  return router;
}

/**
 * Consent flows, from `POST /v1/flows` to the session handle, as a service that knows nothing of
 * HTTP: its inputs are the validated request, the page's origin and its handle, and its outputs
 * are the contract's answers or what the callback must do. The routes (routes/flows.ts) only
 * adapt Express to it, so the state machine is tested without a server.
 *
 * A flow is `pending` until the bank sends the customer back to the callback, then `returned`;
 * the code exchange moves it to `exchanging`, so that two completions can never both spend the
 * code, then `completed`, when it keeps the sealed handle for an idempotent second completion.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type {
  AccountSummary,
  CompleteFlowRequest,
  ConnectedSession as ConnectedSessionAnswer,
  CreateFlowRequest,
  CreateFlowResponse,
} from '../contract/index.js';
import { BffError, hasCode, invalidRequest } from '../errors.js';
import type { FlowMetrics } from '../metrics.js';
import { hashSecret, secretsMatch } from '../sessions/handles.js';
import type { TokenSealer } from '../sessions/sealing.js';
import type { SessionService } from '../sessions/session-service.js';
import type { FlowRecord, SessionRecord, SessionStore } from '../sessions/store.js';
import { findBank, type BankClient } from '../stet/bank-client.js';
import type { PsuContext } from '../stet/bank-profile.js';
import { normaliseAccounts } from '../stet/normalise.js';
import type { SessionEvents } from '../webhooks/session-events.js';

/** The authorization-response parameters the callback forwards; nothing else reaches the page. */
const FORWARDED = ['code', 'state', 'iss', 'error', 'error_description'] as const;

/** A completed flow as the service answers it: always with its handle (the route may drop it). */
export type ConnectedSession = ConnectedSessionAnswer & { sessionHandle: string };

export interface FlowServiceDeps {
  store: SessionStore;
  sealer: TokenSealer;
  sessions: SessionService;
  banks: ReadonlyMap<string, BankClient>;
  logger: Logger;
  /** The partner origins a flow may start from and come back to. */
  allowedOrigins: readonly string[];
  /** How long a flow may take, from its start to its completion. */
  flowTtlSeconds: number;
  now?: () => number;
  /** Where flows are counted as they start and end, when the BFF keeps metrics. */
  metrics?: FlowMetrics | undefined;
  /** Where new and renewed sessions are recorded as webhook events. */
  events?: SessionEvents | undefined;
}

/** What the callback does with the bank's answer. */
export type CallbackOutcome =
  /** Hand it to the page that started `flow`: postMessage in popup mode, else a redirect. */
  | { kind: 'deliver'; flow: FlowRecord; response: URLSearchParams }
  /** No page may have it: no state, an unknown flow, or one that came back already. */
  | { kind: 'refuse'; status: 400 | 409; reason: 'missing-state' | 'unknown-flow' | 'used-flow' };

export interface StartFlowInput {
  request: CreateFlowRequest;
  /** The calling page's origin, already checked against the allowed ones. */
  origin: string;
  /** The session handle of a reconnect. */
  handle?: string | undefined;
  /**
   * The thumbprint of the DPoP key that signed the request: only it may complete the flow, and
   * the session is bound to it. Null only where `BFF_ALLOW_BEARER_HANDLES` allows unbound flows.
   */
  dpopJkt: string | null;
}

export interface CompleteFlowInput {
  flowId: string;
  request: CompleteFlowRequest;
  /** The calling page's origin, already checked against the allowed ones. */
  origin: string;
  /** The session handle, required to complete a reconnect. */
  handle?: string | undefined;
  /** The customer's context, for the account list fetched after the consent. */
  psu?: PsuContext | undefined;
  /** The thumbprint of the DPoP key that signed the request (see `StartFlowInput`). */
  dpopJkt: string | null;
}

export interface FlowResultInput {
  flowId: string;
  /** The flow's PKCE verifier: the proof of being the page that started it. */
  codeVerifier: string;
  origin: string;
  /** The thumbprint of the DPoP key that signed the request. */
  dpopJkt: string;
  psu?: PsuContext | undefined;
}

/**
 * A flow or session bound to a key accepts only that key's proofs; `what` says which (in the
 * message only). An unbound one accepts a request with or without a proof: the routes decide
 * whether unbound flows are allowed at all.
 */
function checkKey(bound: string | null, presented: string | null, what: string): void {
  if (bound !== null && presented !== bound) {
    throw new BffError(
      presented === null ? 'dpop_proof_required' : 'invalid_dpop_proof',
      `${what} with another DPoP key than the one that signed this request`,
    );
  }
}

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
    throw invalidRequest('returnTo must be an absolute URL', 'returnTo');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalidRequest('returnTo must be http(s)', 'returnTo');
  if (url.username || url.password)
    throw invalidRequest('returnTo must not carry credentials', 'returnTo');
  if (url.origin !== origin || !allowed.includes(url.origin)) {
    throw new BffError('origin_not_allowed', 'returnTo must be on the calling, allowed origin');
  }
  url.hash = '';
  return url.href;
}

export class FlowService {
  readonly #deps: FlowServiceDeps;
  readonly #now: () => number;
  /** Completions in progress in this instance, so that a double click spends the code once. */
  readonly #completing = new Map<string, Promise<ConnectedSession>>();

  constructor(deps: FlowServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  #bank(aspsp: string): BankClient {
    return findBank(this.#deps.banks, aspsp);
  }

  /**
   * Records a flow and answers the bank's authorization URL (RFC 6749 §4.1.1, RFC 7636 §4.3). The
   * BFF keeps the hash of `state` and the PKCE challenge, never the state itself; a reconnect
   * names the session it renews, which must be at the same bank.
   */
  async startFlow({
    request,
    origin,
    handle,
    dpopJkt,
  }: StartFlowInput): Promise<CreateFlowResponse> {
    const { store, sessions, allowedOrigins, flowTtlSeconds } = this.#deps;
    const bank = this.#bank(request.aspsp);
    const unsupported = request.scopes.find((scope) => !bank.aspsp.scopes.includes(scope));
    if (unsupported) {
      throw invalidRequest(`scope ${unsupported} is not offered by ${bank.aspsp.id}`, 'scopes');
    }
    const returnTo = checkReturnTo(request.returnTo, origin, allowedOrigins);
    let sessionId: string | null = null;
    if (handle) {
      const session = await sessions.findSession(handle);
      if (session.aspsp !== bank.aspsp.id) {
        throw invalidRequest('a reconnect must use the bank of the session', 'aspsp');
      }
      sessionId = session.id;
    }
    const now = this.#now();
    const flow: FlowRecord = {
      id: randomBytes(16).toString('base64url'),
      stateHash: hashSecret(request.state),
      codeChallenge: request.codeChallenge,
      aspsp: bank.aspsp.id,
      scopes: request.scopes,
      mode: request.mode,
      origin,
      returnTo,
      createdAt: now,
      expiresAt: now + flowTtlSeconds * 1000,
      status: 'pending',
      sessionId,
      completion: null,
      dpopJkt,
    };
    if (await store.findFlowByStateHash(flow.stateHash)) {
      throw invalidRequest('state was already used', 'state');
    }
    await store.insertFlow(flow);
    this.#deps.metrics?.countFlowStarted(flow.aspsp);
    return {
      flowId: flow.id,
      authorizationUrl: bank.buildAuthorizationUrl({
        state: request.state,
        codeChallenge: request.codeChallenge,
        scopes: request.scopes,
      }),
      issuer: bank.aspsp.issuer,
      issParameterSupported: bank.profile.issParameterSupported,
      expiresAt: new Date(flow.expiresAt).toISOString(),
    };
  }

  /**
   * What the redirect URI (RFC 6749 §3.1.2) does with the bank's answer: it finds the flow by the
   * hash of `state`, lets each flow come back once, and forwards only the authorization-response
   * parameters. An expired flow is handed back as `error=flow_expired`, so that its page says so.
   */
  async receiveCallback(query: URLSearchParams): Promise<CallbackOutcome> {
    const { store } = this.#deps;
    const state = query.get('state');
    if (!state || query.getAll('state').length > 1) {
      return { kind: 'refuse', status: 400, reason: 'missing-state' };
    }
    const flow = await store.findFlowByStateHash(hashSecret(state));
    if (!flow) return { kind: 'refuse', status: 400, reason: 'unknown-flow' };
    if (flow.status !== 'pending') return { kind: 'refuse', status: 409, reason: 'used-flow' };
    if (flow.expiresAt <= this.#now()) {
      this.#deps.metrics?.countFlowEnded(flow.aspsp, 'expired');
      return {
        kind: 'deliver',
        flow,
        response: new URLSearchParams({ error: 'flow_expired', state }),
      };
    }
    if (!(await store.transitionFlow(flow.id, 'pending', { status: 'returned' }))) {
      return { kind: 'refuse', status: 409, reason: 'used-flow' };
    }
    const response = new URLSearchParams();
    for (const name of FORWARDED) {
      const value = query.get(name);
      if (value !== null) response.set(name, value.slice(0, 2048));
    }
    // A refusal at the bank ends the flow here: the page has no code to complete it with.
    const error = query.get('error');
    if (error !== null) {
      this.#deps.metrics?.countFlowEnded(
        flow.aspsp,
        error === 'access_denied' ? 'denied' : 'failed',
      );
    }
    return { kind: 'deliver', flow, response };
  }

  /**
   * Completes a flow: both proofs (state, and the PKCE verifier: RFC 7636 §4.6) before anything
   * else, the bank included, since only the page that started the flow holds them; then `iss`
   * (RFC 9207 §2.4), single use and expiry, and the code exchange over mutual TLS. A second
   * completion with the same proofs answers the same session; concurrent ones share one exchange.
   */
  async completeFlow(input: CompleteFlowInput): Promise<ConnectedSession> {
    const { store, sealer, sessions } = this.#deps;
    const flow = await store.getFlow(input.flowId);
    if (!flow) throw new BffError('flow_not_found', 'no such flow');
    if (flow.origin !== input.origin) {
      throw new BffError('origin_not_allowed', 'the flow belongs to another origin');
    }
    if (!secretsMatch(input.request.state, flow.stateHash)) {
      throw new BffError('state_mismatch', 'state does not match the flow');
    }
    if (!equalStrings(challengeOf(input.request.codeVerifier), flow.codeChallenge)) {
      throw new BffError(
        'pkce_mismatch',
        'codeVerifier does not match the code challenge of the flow',
      );
    }
    checkKey(flow.dpopJkt, input.dpopJkt, 'the flow was started');
    if (flow.status === 'completed' && flow.completion) {
      const done = JSON.parse(sealer.open(flow.completion, flow.id)) as { handle: string };
      const record = await sessions.findSession(done.handle);
      checkKey(record.dpopJkt, input.dpopJkt, 'the session is bound');
      return this.#connected(record, done.handle, input.psu);
    }
    const running = this.#completing.get(flow.id);
    if (running) return running;
    if (flow.expiresAt <= this.#now()) {
      this.#deps.metrics?.countFlowEnded(flow.aspsp, 'expired');
      throw new BffError('flow_expired', 'the flow has expired: start again');
    }
    const completion = this.#exchange(flow, input).finally(() => this.#completing.delete(flow.id));
    this.#completing.set(flow.id, completion);
    return completion;
  }

  /**
   * How a flow ended, for the tab that started it and heard on its BroadcastChannel that another
   * tab completed it: that message is only a hint (any script of the origin can post one), so the
   * tab asks here with what only it holds, the verifier, and a proof by the key the session is
   * bound to; it is answered the session the completion made.
   */
  async flowResult(input: FlowResultInput): Promise<ConnectedSession> {
    const { store, sealer, sessions } = this.#deps;
    const flow = await store.getFlow(input.flowId);
    if (!flow) throw new BffError('flow_not_found', 'no such flow');
    if (flow.origin !== input.origin) {
      throw new BffError('origin_not_allowed', 'the flow belongs to another origin');
    }
    if (!equalStrings(challengeOf(input.codeVerifier), flow.codeChallenge)) {
      throw new BffError(
        'pkce_mismatch',
        'codeVerifier does not match the code challenge of the flow',
      );
    }
    checkKey(flow.dpopJkt, input.dpopJkt, 'the flow was started');
    if (flow.status !== 'completed' || !flow.completion) {
      throw new BffError('flow_not_completed', 'this flow has not been completed yet');
    }
    const done = JSON.parse(sealer.open(flow.completion, flow.id)) as { handle: string };
    const record = await sessions.findSession(done.handle);
    checkKey(record.dpopJkt, input.dpopJkt, 'the session is bound');
    return this.#connected(record, done.handle, input.psu);
  }

  async #exchange(flow: FlowRecord, input: CompleteFlowInput): Promise<ConnectedSession> {
    if (flow.status === 'pending') {
      throw invalidRequest('the bank has not sent the customer back for this flow yet');
    }
    if (flow.status !== 'returned') {
      throw new BffError('flow_already_used', 'this flow was already completed');
    }
    const { metrics } = this.#deps;
    let connected: ConnectedSession;
    try {
      connected = await this.#redeem(flow, input);
    } catch (error) {
      // Another instance's completion won the flow: that one ends it.
      if (!hasCode(error, 'flow_already_used')) metrics?.countFlowEnded(flow.aspsp, 'failed');
      throw error;
    }
    metrics?.countFlowEnded(flow.aspsp, 'completed');
    return connected;
  }

  /** The bank's answer checked, the code exchanged, and the session created or renewed. */
  async #redeem(flow: FlowRecord, input: CompleteFlowInput): Promise<ConnectedSession> {
    const { store, sealer, sessions } = this.#deps;
    const bank = this.#bank(flow.aspsp);
    const params = new URLSearchParams({ code: input.request.code, state: input.request.state });
    if (input.request.iss !== undefined) params.set('iss', input.request.iss);
    const validated = bank.validateAuthorizationResponse(params);
    if (flow.sessionId && (!input.handle || hashSecret(input.handle) !== flow.sessionId)) {
      throw new BffError(
        'session_required',
        'a reconnect must be completed with the session it renews',
      );
    }
    if (!(await store.transitionFlow(flow.id, 'returned', { status: 'exchanging' }))) {
      throw new BffError('flow_already_used', 'this flow was already completed');
    }
    const tokens = await bank.exchangeCode(validated, input.request.codeVerifier);
    let record: SessionRecord;
    let handle: string;
    if (flow.sessionId && input.handle) {
      record = await sessions.renewSession(flow.sessionId, tokens, flow.scopes, input.dpopJkt);
      handle = input.handle;
    } else {
      ({ record, handle } = await sessions.createSession(
        flow.aspsp,
        tokens,
        flow.scopes,
        input.dpopJkt,
      ));
    }
    const completion = sealer.seal(JSON.stringify({ handle }), flow.id);
    await store.transitionFlow(flow.id, 'exchanging', { status: 'completed', completion });
    await this.#recordEvents(record, flow.sessionId ? 'session.renewed' : 'session.connected');
    return this.#connected(record, handle, input.psu);
  }

  /**
   * Records the new or renewed session for the partner's webhooks; and its `session.expiring` at
   * once when its consent starts inside the warning window, where the scheduler's cursor, already
   * past that point, would never see it (scheduler.ts).
   */
  async #recordEvents(
    record: SessionRecord,
    type: 'session.connected' | 'session.renewed',
  ): Promise<void> {
    const { events, sessions } = this.#deps;
    if (!events) return;
    const { status } = sessions.describe(record);
    await events.record({ type }, record, status);
    if (status === 'expiring') await events.record({ type: 'session.expiring' }, record, status);
  }

  /** The success answer: the session as the page may know it, with its accounts' summaries. */
  async #connected(
    record: SessionRecord,
    handle: string,
    psu: PsuContext | undefined,
  ): Promise<ConnectedSession> {
    return {
      ...this.#deps.sessions.describe(record),
      sessionHandle: handle,
      accounts: await this.#summarise(record, psu),
    };
  }

  /** The consented accounts, for the page to show at once; a failure costs only the list. */
  async #summarise(record: SessionRecord, psu: PsuContext | undefined): Promise<AccountSummary[]> {
    if (!record.scopes.includes('aisp')) return [];
    try {
      const { body } = await this.#deps.sessions.callBank(record, {
        method: 'GET',
        path: '/accounts',
        psu,
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
      this.#deps.logger.warn(
        { aspsp: record.aspsp, code: (error as BffError).code },
        'could not list accounts after consent',
      );
      return [];
    }
  }
}

/**
 * The browser-facing half of a sandbox bank: `GET /<bank>/authorize` (RFC 6749 §4.1.1, STET
 * 1.4.0.47 Part I §3.4.3.2) and the consent pages behind it (login, strong customer
 * authentication, account selection), ending in a redirect back to the TPP with a code or an
 * error (RFC 6749 §4.1.2, RFC 9207).
 *
 * Each form posts and is answered by a 303 to `GET /<bank>/authorize/step`, so a reload never
 * resubmits and the language switch re-renders the current step.
 */
import { randomInt } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { issuerOf, type SandboxContext } from '../context.js';
import { translate } from '../pages/messages.js';
import {
  renderConsentPage,
  renderErrorPage,
  renderLoginPage,
  renderMaintenancePage,
  renderScaPage,
  type StepContext,
} from '../pages/views.js';
import {
  createSecret,
  type AuthorizationRequest,
  type BankState,
  type Lang,
  type Scope,
} from '../state.js';

const AUTHORIZATION_REQUEST_LIFETIME_MS = 10 * 60_000;
/** RFC 9700 §4.2 and ASVS 10.4.3: codes are short-lived; one minute here. */
export const CODE_LIFETIME_MS = 60_000;
const MAX_SCA_ATTEMPTS = 3;
const SCOPES: readonly Scope[] = ['aisp', 'cbpii', 'extended_transaction_history'];
/** RFC 7636 §4.2: an S256 challenge is the base64url of a SHA-256, 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** A refusal that goes back to the TPP's redirect URI (RFC 6749 §4.1.2.1). */
class RedirectableError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

/** Parses `scope` (RFC 6749 §3.3) into the STET scopes, refusing anything else. */
export function parseScopes(value: string | undefined): Scope[] {
  if (!value) throw new RedirectableError('invalid_scope', 'scope is required');
  const scopes = [...new Set(value.split(' ').filter(Boolean))];
  for (const scope of scopes) {
    if (!SCOPES.includes(scope as Scope)) {
      throw new RedirectableError('invalid_scope', `scope ${scope} is not supported`);
    }
  }
  if (!scopes.includes('aisp') && !scopes.includes('cbpii')) {
    throw new RedirectableError('invalid_scope', 'scope must include aisp or cbpii');
  }
  if (scopes.includes('extended_transaction_history') && !scopes.includes('aisp')) {
    throw new RedirectableError('invalid_scope', 'extended_transaction_history requires aisp');
  }
  return scopes as Scope[];
}

function pickLang(value: unknown): Lang | undefined {
  if (typeof value !== 'string') return undefined;
  const first = value.split(' ')[0]?.toLowerCase() ?? '';
  if (first.startsWith('en')) return 'en';
  if (first.startsWith('fr')) return 'fr';
  return undefined;
}

function setPageHeaders(res: Response): void {
  res.set({
    // No form-action: Chrome applies it to every redirect after a form post, and the consent
    // form's answer goes to the TPP's callback and then on to the partner page, whose origin the
    // bank cannot know.
    'Content-Security-Policy': [
      "default-src 'none'",
      "style-src 'self'",
      "img-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
  });
}

/** Reads a form body into URLSearchParams, so that repeated fields stay visible. */
function readForm(req: Request): URLSearchParams {
  return new URLSearchParams(typeof req.body === 'string' ? req.body : '');
}

export function createAuthorizeRouter(context: SandboxContext): Router {
  const router = express.Router();
  const formParser = express.text({ type: 'application/x-www-form-urlencoded', limit: '8kb' });

  const sendPage = (res: Response, status: number, body: string) => {
    setPageHeaders(res);
    res.status(status).type('html').send(body);
  };

  const findState = (req: Request, res: Response): BankState | undefined => {
    const state = context.banks.get(String(req.params.bank));
    const lang = pickLang(req.query.lang) ?? 'fr';
    if (!state) {
      sendPage(
        res,
        404,
        renderErrorPage({ bank: undefined, lang, message: translate(lang, 'unknownBank') }),
      );
      return undefined;
    }
    if (state.scenario.down) {
      sendPage(res, 503, renderMaintenancePage(state.bank, lang));
      return undefined;
    }
    return state;
  };

  /** Sends the customer back to the TPP (RFC 6749 §4.1.2), with `iss` where the bank does it. */
  const redirectBack = (
    res: Response,
    state: BankState,
    request: { redirectUri: string; state?: string | undefined },
    params: Record<string, string>,
  ) => {
    const target = new URL(request.redirectUri);
    for (const [name, value] of Object.entries(params)) target.searchParams.append(name, value);
    if (request.state !== undefined) target.searchParams.append('state', request.state);
    if (state.bank.profile.issInAuthorizationResponse) {
      target.searchParams.append('iss', issuerOf(context, state.bank.id));
    }
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    res.redirect(303, target.href);
  };

  const findRequest = (
    state: BankState,
    id: string | null | undefined,
  ): AuthorizationRequest | undefined => {
    const request = id ? state.authorizationRequests.get(id) : undefined;
    if (!request) return undefined;
    if (request.expiresAt < state.now()) {
      state.authorizationRequests.delete(request.id);
      return undefined;
    }
    return request;
  };

  const sendExpired = (res: Response, state: BankState, lang: Lang) =>
    sendPage(
      res,
      400,
      renderErrorPage({ bank: state.bank, lang, message: translate(lang, 'expired') }),
    );

  router.get('/:bank/authorize', (req, res) => {
    const state = findState(req, res);
    if (!state) return;
    state.count('GET /authorize');
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    const lang = pickLang(query.get('ui_locales')) ?? 'fr';
    const single = (name: string) => {
      const values = query.getAll(name);
      return values.length === 1 ? values[0] : undefined;
    };
    const refuse = (key: 'unknownClient' | 'badRedirect') =>
      sendPage(
        res,
        400,
        renderErrorPage({
          bank: state.bank,
          lang,
          message: translate(lang, key, { bank: state.bank.name }),
        }),
      );

    // RFC 6749 §4.1.2.1: with an unknown client or redirect URI, never redirect.
    const client = context.clients.get(single('client_id') ?? '');
    if (!client) return refuse('unknownClient');
    const redirectUri = single('redirect_uri');
    if (redirectUri === undefined || !client.redirectUris.includes(redirectUri)) {
      return refuse('badRedirect');
    }

    const stateParam = single('state');
    try {
      for (const name of new Set(query.keys())) {
        if (query.getAll(name).length > 1) {
          throw new RedirectableError('invalid_request', `${name} is repeated`);
        }
      }
      if (single('response_type') !== 'code') {
        throw new RedirectableError('unsupported_response_type', 'response_type must be code');
      }
      if (!stateParam) throw new RedirectableError('invalid_request', 'state is required');
      const scopes = parseScopes(single('scope'));
      const challenge = single('code_challenge');
      const method = single('code_challenge_method');
      if (challenge === undefined && method !== undefined) {
        throw new RedirectableError(
          'invalid_request',
          'code_challenge_method without code_challenge',
        );
      }
      if (challenge !== undefined && method !== 'S256') {
        // RFC 7636 §4.3 defaults to `plain`, which RFC 9700 §2.1.1 rules out.
        throw new RedirectableError('invalid_request', 'code_challenge_method must be S256');
      }
      if (challenge === undefined && state.bank.profile.pkce === 'required') {
        throw new RedirectableError('invalid_request', 'code_challenge is required');
      }
      if (challenge !== undefined && !S256_CHALLENGE.test(challenge)) {
        throw new RedirectableError('invalid_request', 'code_challenge is malformed');
      }
      const request: AuthorizationRequest = {
        id: createSecret(18),
        clientId: client.clientId,
        redirectUri,
        scopes,
        state: stateParam,
        codeChallenge: challenge,
        expiresAt: state.now() + AUTHORIZATION_REQUEST_LIFETIME_MS,
        step: 'login',
        lang,
        scaAttempts: 0,
      };
      state.sweep();
      state.authorizationRequests.set(request.id, request);
      res.set('Cache-Control', 'no-store');
      res.redirect(303, `/${state.bank.id}/authorize/step?req=${encodeURIComponent(request.id)}`);
    } catch (error) {
      if (!(error instanceof RedirectableError)) throw error;
      redirectBack(
        res,
        state,
        { redirectUri, state: stateParam },
        {
          error: error.error,
          error_description: error.description,
        },
      );
    }
  });

  router.get('/:bank/authorize/step', (req, res) => {
    const state = findState(req, res);
    if (!state) return;
    const request = findRequest(
      state,
      typeof req.query.req === 'string' ? req.query.req : undefined,
    );
    const requestedLang = pickLang(req.query.lang);
    if (!request) return sendExpired(res, state, requestedLang ?? 'fr');
    if (requestedLang) request.lang = requestedLang;
    const client = context.clients.get(request.clientId);
    const flash = request.flash;
    delete request.flash;
    const other = request.lang === 'fr' ? 'en' : 'fr';
    const step: StepContext = {
      bank: state.bank,
      lang: request.lang,
      requestId: request.id,
      clientName: client?.name ?? request.clientId,
      clientId: request.clientId,
      switchLanguageHref: `/${state.bank.id}/authorize/step?req=${encodeURIComponent(request.id)}&lang=${other}`,
      ...(flash ? { error: flash } : {}),
    };
    const user = request.login ? state.findUser(request.login) : undefined;
    let page: string;
    if (request.step === 'sca' && user && request.scaCode) {
      page = renderScaPage({ ...step, phoneSuffix: user.phoneSuffix, code: request.scaCode });
    } else if (request.step === 'consent' && user) {
      const profile = state.bank.profile;
      page = renderConsentPage({
        ...step,
        scopes: request.scopes,
        accounts: user.accounts,
        consentDays: consentLifetimeDays(profile),
      });
    } else {
      page = renderLoginPage(step);
    }
    sendPage(res, 200, page);
  });

  const continueAt = (
    res: Response,
    state: BankState,
    request: AuthorizationRequest,
    flash?: string,
  ) => {
    if (flash) request.flash = flash;
    res.redirect(303, `/${state.bank.id}/authorize/step?req=${encodeURIComponent(request.id)}`);
  };

  router.post('/:bank/authorize/login', formParser, (req, res) => {
    const state = findState(req, res);
    if (!state) return;
    const form = readForm(req);
    const request = findRequest(state, form.get('req'));
    if (!request) return sendExpired(res, state, 'fr');
    if (request.step !== 'login') return continueAt(res, state, request);
    const user = state.findUser(form.get('username')?.trim() ?? '');
    if (!user || user.password !== form.get('password')) {
      return continueAt(res, state, request, translate(request.lang, 'loginError'));
    }
    request.login = user.login;
    request.step = 'sca';
    request.scaCode = String(randomInt(0, 1_000_000)).padStart(6, '0');
    request.scaAttempts = 0;
    continueAt(res, state, request);
  });

  router.post('/:bank/authorize/sca', formParser, (req, res) => {
    const state = findState(req, res);
    if (!state) return;
    const form = readForm(req);
    const request = findRequest(state, form.get('req'));
    if (!request) return sendExpired(res, state, 'fr');
    if (request.step !== 'sca') return continueAt(res, state, request);
    const user = request.login ? state.findUser(request.login) : undefined;
    const passed = user?.sca === 'succeeds' && form.get('otp')?.trim() === request.scaCode;
    if (!passed) {
      request.scaAttempts += 1;
      if (request.scaAttempts >= MAX_SCA_ATTEMPTS) {
        state.authorizationRequests.delete(request.id);
        return redirectBack(res, state, request, {
          error: 'access_denied',
          error_description: 'strong customer authentication failed',
        });
      }
      return continueAt(
        res,
        state,
        request,
        translate(request.lang, 'scaError', { n: MAX_SCA_ATTEMPTS - request.scaAttempts }),
      );
    }
    request.step = 'consent';
    continueAt(res, state, request);
  });

  router.post('/:bank/authorize/consent', formParser, (req, res) => {
    const state = findState(req, res);
    if (!state) return;
    const form = readForm(req);
    const request = findRequest(state, form.get('req'));
    if (!request) return sendExpired(res, state, 'fr');
    if (request.step !== 'consent') return continueAt(res, state, request);
    const user = request.login ? state.findUser(request.login) : undefined;
    if (!user) return continueAt(res, state, request);
    if (form.get('decision') !== 'accept') {
      state.authorizationRequests.delete(request.id);
      return redirectBack(res, state, request, {
        error: 'access_denied',
        error_description: 'the customer refused access',
      });
    }
    const chosen = new Set(form.getAll('account'));
    const accountIds = user.accounts.map((a) => a.resourceId).filter((id) => chosen.has(id));
    if (accountIds.length === 0 || accountIds.length !== chosen.size) {
      return continueAt(res, state, request, translate(request.lang, 'noAccountError'));
    }
    const now = state.now();
    const grant = {
      id: createSecret(12),
      clientId: request.clientId,
      login: user.login,
      accountIds,
      scopes: request.scopes,
      createdAt: now,
      expiresAt: now + consentLifetimeDays(state.bank.profile) * 86_400_000,
      revoked: false,
    };
    state.grants.set(grant.id, grant);
    const code = createSecret();
    state.codes.set(code, {
      grantId: grant.id,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      expiresAt: now + CODE_LIFETIME_MS,
      used: false,
    });
    state.authorizationRequests.delete(request.id);
    redirectBack(res, state, request, { code });
  });

  router.post('/:bank/authorize/cancel', formParser, (req, res) => {
    const state = findState(req, res);
    if (!state) return;
    const request = findRequest(state, readForm(req).get('req'));
    if (!request) return sendExpired(res, state, 'fr');
    state.authorizationRequests.delete(request.id);
    redirectBack(res, state, request, {
      error: 'access_denied',
      error_description: 'the customer cancelled',
    });
  });

  return router;
}

/** How long a consent lasts: the refresh token's life, or the access token's when there is none. */
export function consentLifetimeDays(profile: BankState['bank']['profile']): number {
  return (
    profile.refreshToken?.lifetimeDays ?? Math.round(profile.accessTokenLifetimeSeconds / 86_400)
  );
}

/**
 * The BFF's HTTP plumbing: request ids, CORS with an exact origin allowlist, the custom-header
 * CSRF defence, a per-client rate limit, reading the session handle, and the one error handler
 * that turns every failure into the `ApiError` shape without leaking internals.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import proxyaddr from 'proxy-addr';
import type { Logger } from 'pino';
import type { ApiError } from './contract/index.js';
import type { ErrorCode } from './contract/errors.js';
import { ERRORS } from './contract/errors.js';
import { DPOP_ALGORITHMS } from './dpop/proof.js';
import { BffError, isPublicCode } from './errors.js';
import { looksLikePartnerKey } from './partner/keys.js';
import { isWellFormedHandle } from './sessions/handles.js';
import type { HitCounter } from './sessions/store.js';
import type { PsuContext } from './stet/bank-profile.js';

/** The static header every call from the widget carries: it forces a CORS preflight. */
export const CSRF_HEADER = 'x-bank-connect';
export const SESSION_COOKIE = '__Host-bank-connect-session';
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Accepts a sane `X-Request-ID` or makes one; never echoes anything that could split a header. */
export function assignRequestId(): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    const id = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.set('X-Request-ID', id);
    next();
  };
}

/**
 * Works out the customer's address once per request from the BFF's own `trustProxy` setting
 * (the same values as Express's `trust proxy`), so that a router mounted in an app with another
 * setting, or none, still sees the customer behind the proxies it was told to trust.
 */
export function recordClientAddress(trustProxy: boolean | number | string): RequestHandler {
  // As Express compiles `trust proxy`: all or none, a hop count, or addresses and subnets.
  const trust: (address: string, hop: number) => boolean =
    typeof trustProxy === 'boolean'
      ? () => trustProxy
      : typeof trustProxy === 'number'
        ? (_address, hop) => hop < trustProxy
        : proxyaddr.compile(trustProxy.split(',').map((value) => value.trim()));
  return (req, res, next) => {
    res.locals.clientAddress = proxyaddr(req, trust).replace(/^::ffff:/, '');
    next();
  };
}

/** The customer's address that `recordClientAddress` found; undefined outside the router. */
export function readClientAddress(req: Request): string | undefined {
  return (req.res?.locals as { clientAddress?: string } | undefined)?.clientAddress;
}

/**
 * The customer's context for the banks (STET's PSU headers), when the request is their page's:
 * it comes from an allowed origin (the CORS check has refused any other) or carries the session
 * cookie. A request without either is not the customer's browser, and claims no presence: its
 * bank calls carry no PSU header. The source port is known only when nothing stands between.
 */
export function readPsuContext(req: Request, cookieMode: boolean): PsuContext | undefined {
  const fromBrowser =
    req.get('origin') !== undefined ||
    isSameOriginFetch(req) ||
    (cookieMode && readCookie(req, SESSION_COOKIE) !== undefined);
  const ipAddress = readClientAddress(req);
  if (!fromBrowser || !ipAddress) return undefined;
  const direct = req.socket.remoteAddress?.replace(/^::ffff:/, '') === ipAddress;
  return {
    ipAddress,
    ...(direct && req.socket.remotePort ? { ipPort: req.socket.remotePort } : {}),
    httpMethod: req.method,
    date: new Date().toUTCString(),
    userAgent: req.get('user-agent'),
    referer: req.get('referer'),
    accept: req.get('accept'),
    acceptCharset: req.get('accept-charset'),
    acceptEncoding: req.get('accept-encoding'),
    acceptLanguage: req.get('accept-language'),
  };
}

/**
 * A browser's same-origin GET carries no `Origin` (Fetch §3.1), but it does carry
 * `Sec-Fetch-Site`, a header no page script can set: a page served by the BFF's own origin.
 */
function isSameOriginFetch(req: Request): boolean {
  return req.get('sec-fetch-site') === 'same-origin';
}

/** Whether `allowOrigins` let a request without an `Origin` through to be authenticated first. */
export function isOriginMissing(req: Request): boolean {
  return (req.res?.locals as { originMissing?: boolean } | undefined)?.originMissing === true;
}

/**
 * CORS for the partner origins only (no wildcard), with credentials only in cookie mode
 * (RFC 10017 §6.1.3.2; ASVS 3.5.2). A browser call from any other origin is refused outright.
 *
 * The browser routes are browser-only: a request with no `Origin` (a server, a script outside
 * any page) is refused, and servers use the partner-server API and its key. One that presents
 * a session handle is let through marked, so that the handle's check speaks first: a handle
 * taken out of the browser and replayed from a server gets the 401 of its missing proof, never
 * a hint that the handle itself was good. `refuseUnlessBrowser` then refuses whatever passed.
 */
export function allowOrigins(allowed: readonly string[], credentials: boolean): RequestHandler {
  const origins = new Set(allowed);
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin === undefined) {
      if (isSameOriginFetch(req)) return next();
      if (carriesHeaderCredentials(req)) {
        res.locals.originMissing = true;
        return next();
      }
      return next(
        new BffError(
          'origin_not_allowed',
          'the browser routes need an allowed Origin: servers use the partner-server API (/partner/v1)',
        ),
      );
    }
    if (!origins.has(origin)) {
      return next(new BffError('origin_not_allowed', `origin ${origin} is not allowed`));
    }
    res.set('Access-Control-Allow-Origin', origin);
    if (credentials) res.set('Access-Control-Allow-Credentials', 'true');
    res.set(
      'Access-Control-Expose-Headers',
      'X-Request-ID, Retry-After, ETag, DPoP-Nonce, WWW-Authenticate',
    );
    if (req.method === 'OPTIONS') {
      res.set({
        'Access-Control-Allow-Methods': 'GET, POST, DELETE',
        'Access-Control-Allow-Headers': `content-type, authorization, dpop, ${CSRF_HEADER}, x-request-id, if-none-match`,
        'Access-Control-Max-Age': '600',
      });
      return void res.status(204).end();
    }
    next();
  };
}

/**
 * Requires the static custom header on every API call (RFC 10017 §6.1.3.2: once adopted, every
 * request must carry it). A cross-site form or image cannot set it, and a script can only after
 * a preflight the allowlist decides.
 */
export function requireCsrfHeader(): RequestHandler {
  return (req, res, next) => {
    if (req.get(CSRF_HEADER) !== '1') {
      // A credential in a header is never sent by a browser on its own, so there is no forgery
      // to stop: the handle's check speaks first, as for a missing Origin (`allowOrigins`).
      if (carriesHeaderCredentials(req)) {
        res.locals.csrfHeaderMissing = true;
        return next();
      }
      return next(new BffError('csrf_header_missing', `the ${CSRF_HEADER}: 1 header is required`));
    }
    next();
  };
}

/** A session handle in `Authorization` or a proof in `DPoP`: what a script must set itself. */
function carriesHeaderCredentials(req: Request): boolean {
  return req.get('authorization') !== undefined || req.get('dpop') !== undefined;
}

/** Whether `requireCsrfHeader` let a request without the header through to be authenticated. */
export function isCsrfHeaderMissing(req: Request): boolean {
  return (
    (req.res?.locals as { csrfHeaderMissing?: boolean } | undefined)?.csrfHeaderMissing === true
  );
}

/**
 * express-rate-limit's store on the session store's shared counters: with Redis, every instance
 * counts the same hits (rate-limit-redis would do the same, but it loads its scripts once at
 * start-up and keeps failing if Redis was not up then).
 */
function storeHitsIn(counter: HitCounter, windowMs: number): Store {
  return {
    increment: (key) => counter.countHit(key, windowMs),
    decrement: (key) => counter.forgetHit(key),
    resetKey: (key) => counter.resetHits(key),
  };
}

/**
 * A fixed-window limit per customer address (IPv6 addresses by their /56, so that one host
 * cannot rotate through its own addresses), enough to stop a script creating flows in bulk. With
 * `counter` the limit holds across every instance sharing it; without, per process. A refusal
 * is `rate_limited` with `retryAfter`; every answer carries the draft-7 `RateLimit` headers.
 * When the shared counter cannot be reached, the request fails with the store's
 * `session_store_unavailable`: the flow could not have been stored anyway.
 */
export function limitFlows(options: {
  limit: number;
  windowMs: number;
  counter?: HitCounter | undefined;
}): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    ...(options.counter ? { store: storeHitsIn(options.counter, options.windowMs) } : {}),
    keyGenerator: (req) => ipKeyGenerator(readClientAddress(req) ?? 'unknown'),
    // The address comes from recordClientAddress and BFF_TRUST_PROXY, not from the host app's
    // `trust proxy`, which these start-up checks of express-rate-limit would read.
    validate: { xForwardedForHeader: false, trustProxy: false },
    handler: (req, _res, next) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit
        ?.resetTime;
      const retryAfter = Math.max(
        1,
        Math.ceil(((resetTime?.getTime() ?? Date.now()) - Date.now()) / 1000),
      );
      next(
        new BffError('rate_limited', 'too many flows started from this address', { retryAfter }),
      );
    },
  });
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

/** How a request presented its session handle. */
export type HandleScheme = 'DPoP' | 'Bearer' | 'cookie';

/**
 * The session handle from `Authorization: DPoP <handle>` (RFC 9449 §7.1), `Authorization: Bearer
 * <handle>` (unbound handles, where allowed), or the `__Host-` cookie in cookie mode.
 */
export function readHandle(
  req: Request,
  cookieMode: boolean,
): { handle: string; scheme: HandleScheme } | undefined {
  const header = req.get('authorization');
  if (header !== undefined) {
    const match = /^(DPoP|Bearer) ([A-Za-z0-9_-]+)$/.exec(header);
    if (!match?.[2] || !isWellFormedHandle(match[2])) {
      throw new BffError(
        'session_required',
        match?.[2] && looksLikePartnerKey(match[2])
          ? 'a partner API key opens only the partner-server API (/partner/v1), never the browser routes'
          : 'the authorization header must be DPoP <session handle>',
      );
    }
    return { handle: match[2], scheme: match[1] as 'DPoP' | 'Bearer' };
  }
  if (!cookieMode) return undefined;
  const cookie = readCookie(req, SESSION_COOKIE);
  return cookie !== undefined && isWellFormedHandle(cookie)
    ? { handle: cookie, scheme: 'cookie' }
    : undefined;
}

/** Sets the session cookie for same-site deployments (RFC 10017 §6.1.3.2, ASVS 3.3.1–3.3.4). */
export function setSessionCookie(res: Response, handle: string, expiresAt: number): void {
  res.cookie(SESSION_COOKIE, handle, {
    httpOnly: true,
    secure: true,
    sameSite: 'strict',
    path: '/',
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, secure: true, sameSite: 'strict', path: '/' });
}

/** Wraps an async handler so that its rejection reaches the error handler. */
export function handle(
  handler: (req: Request, res: Response) => Promise<void> | void,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch(next);
  };
}

/** Maps body-parser and other library errors to stable codes. */
function toBffError(error: unknown): BffError {
  if (error instanceof BffError) {
    // An internal code that escaped its caller is a bug: the page learns nothing of it.
    return isPublicCode(error.code)
      ? error
      : new BffError('internal_error', 'internal error', { cause: error });
  }
  const type = (error as { type?: string } | null)?.type;
  if (type === 'entity.too.large')
    return new BffError('payload_too_large', 'the request body is too large');
  if (type === 'entity.parse.failed')
    return new BffError('invalid_request', 'the request body is not valid JSON');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') {
    return new BffError('unsupported_media_type', 'the request body encoding is not supported');
  }
  // Library errors that blame the request (a path that is not valid percent-encoding, a body
  // aborted or shorter than its Content-Length…) are the client's: a 4xx, never internal_error.
  const { status: given, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
  const status = typeof given === 'number' ? given : statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    if (status === 413) return new BffError('payload_too_large', 'the request is too large');
    if (status === 415)
      return new BffError('unsupported_media_type', 'the request body type is not supported');
    return new BffError('invalid_request', 'the request is malformed');
  }
  if (error instanceof URIError) return new BffError('invalid_request', 'the request is malformed');
  return new BffError('internal_error', 'internal error', { cause: error });
}

/** The `WWW-Authenticate: DPoP` error each authentication failure of the browser routes names. */
const DPOP_CHALLENGES: Partial<Record<ErrorCode, string>> = {
  session_required: '',
  dpop_proof_required: 'invalid_token',
  invalid_dpop_proof: 'invalid_dpop_proof',
  use_dpop_nonce: 'use_dpop_nonce',
};

/** The last handler: one JSON shape everywhere, no stack, no secret, 5xx details only in logs. */
export function handleErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const failure = toBffError(error);
    const code = failure.code as ErrorCode;
    const { status, retryable } = ERRORS[code];
    const requestId = res.locals.requestId as string | undefined;
    const log = {
      requestId,
      method: req.method,
      path: req.path,
      code,
      status,
      aspsp: failure.aspsp,
      bankStatus: failure.bankStatus,
      bankMessage: failure.bankMessage,
    };
    if (code === 'internal_error') {
      logger.error({ ...log, err: failure.cause ?? failure }, 'request failed');
    } else {
      logger.info(log, 'request refused');
    }
    if (res.headersSent) return;
    const body: ApiError = {
      error: code,
      message: failure.message,
      retryable,
      ...(failure.field ? { field: failure.field } : {}),
      ...(failure.aspsp ? { aspsp: failure.aspsp } : {}),
      ...(failure.retryAfter !== undefined ? { retryAfter: failure.retryAfter } : {}),
      ...(requestId ? { requestId } : {}),
    };
    if (failure.retryAfter !== undefined) res.set('Retry-After', String(failure.retryAfter));
    const challenge = DPOP_CHALLENGES[code];
    if (challenge !== undefined) {
      // RFC 9449 §7.1: the scheme, the algorithms this server accepts, and the error, if any.
      res.set(
        'WWW-Authenticate',
        `DPoP ${challenge ? `error="${challenge}", ` : ''}algs="${DPOP_ALGORITHMS.join(' ')}"`,
      );
    }
    res.set('Cache-Control', 'no-store');
    res.status(status).json(body);
  };
}

/**
 * Who is calling a browser route: the session handle it presents (if any), and the key its DPoP
 * proof was signed with (if any); then whether that handle may be used with that proof.
 *
 * A session is bound to the key of the page that completed its flow: a bound handle opens
 * nothing without a fresh proof from that key, sent as `Authorization: DPoP <handle>` (or by
 * the cookie). An unbound handle (a session from before binding) is a bearer credential, and is
 * accepted only while `BFF_ALLOW_BEARER_HANDLES` lets integrations migrate.
 */
import type { Request } from 'express';
import type { BffContext } from '../context.js';
import { BffError } from '../errors.js';
import {
  CSRF_HEADER,
  isCsrfHeaderMissing,
  isOriginMissing,
  readHandle,
  type HandleScheme,
} from '../http.js';
import type { SessionRecord } from '../sessions/store.js';

export interface BrowserCredentials {
  handle?: string;
  scheme?: HandleScheme;
  /** The thumbprint of the key that signed the request's proof, when it has a valid one. */
  jkt?: string;
}

/** A request whose handle was found and may be used with its proof. */
export interface AuthenticatedSession {
  session: SessionRecord;
  handle: string;
  jkt: string | undefined;
}

/** Reads the handle and verifies the proof; a bad proof fails the request (401). */
export async function readCredentials(
  context: BffContext,
  req: Request,
): Promise<BrowserCredentials> {
  const presented = readHandle(req, context.config.cookieMode);
  // A proof sent with a handle in `Authorization` names the handle's hash in `ath`; the cookie
  // is not the page's to read, so a proof sent with it cannot.
  const proof = await context.dpop.verify(
    req,
    presented && presented.scheme !== 'cookie' ? presented.handle : undefined,
  );
  return {
    ...(presented ? { handle: presented.handle, scheme: presented.scheme } : {}),
    ...(proof ? { jkt: proof.jkt } : {}),
  };
}

/**
 * Whether the credentials may use `session`: a bound session wants a proof by its key, never the
 * `Bearer` scheme; an unbound one is accepted only under `BFF_ALLOW_BEARER_HANDLES`.
 */
export function checkBinding(
  context: BffContext,
  session: SessionRecord,
  credentials: BrowserCredentials,
): void {
  if (session.dpopJkt !== null) {
    if (credentials.jkt === undefined || credentials.scheme === 'Bearer') {
      throw new BffError(
        'dpop_proof_required',
        'this session is bound to a key: send Authorization: DPoP <handle> with a DPoP proof signed by it',
      );
    }
    if (credentials.jkt !== session.dpopJkt) {
      throw new BffError(
        'invalid_dpop_proof',
        'the proof is signed by another key than the one this session is bound to',
      );
    }
    return;
  }
  if (!context.config.allowBearerHandles) {
    throw new BffError(
      'dpop_proof_required',
      'this handle is bound to no key, and this BFF accepts only bound handles: connect again',
    );
  }
}

/** Requires a proof: the operations that bind a session to its key cannot do without one. */
export function requireProof(context: BffContext, credentials: BrowserCredentials): string | null {
  if (credentials.jkt !== undefined) return credentials.jkt;
  if (context.config.allowBearerHandles) return null;
  throw new BffError(
    'dpop_proof_required',
    'send a DPoP proof: the session this flow makes is bound to the key that signs it',
  );
}

/**
 * The session behind the request's handle, checked against its proof; then, for a request that
 * came without an `Origin` or `X-Bank-Connect`, the refusal of the browser routes to non-browsers.
 */
export async function authenticateSession(
  context: BffContext,
  req: Request,
  credentials: BrowserCredentials,
): Promise<AuthenticatedSession> {
  if (credentials.handle === undefined) {
    throw new BffError('session_required', 'a session handle is required');
  }
  const session = await context.sessions.findSession(credentials.handle);
  checkBinding(context, session, credentials);
  refuseUnlessBrowser(req);
  return { session, handle: credentials.handle, jkt: credentials.jkt };
}

/**
 * Refuses a request that reached a browser route without an `Origin` or without `X-Bank-Connect`
 * (let through by `allowOrigins` and `requireCsrfHeader` so that its credentials were checked
 * first).
 */
export function refuseUnlessBrowser(req: Request): void {
  if (isOriginMissing(req)) {
    throw new BffError(
      'origin_not_allowed',
      'the browser routes need an allowed Origin: servers use the partner-server API (/partner/v1)',
    );
  }
  if (isCsrfHeaderMissing(req)) {
    throw new BffError('csrf_header_missing', `the ${CSRF_HEADER}: 1 header is required`);
  }
}

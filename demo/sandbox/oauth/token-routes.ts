/**
 * `POST /<bank>/token` (RFC 6749 §4.1.3 and §6, STET: `tls_client_auth` only) and
 * `POST /<bank>/revoke` (RFC 7009) on the mTLS listener.
 *
 * Client authentication is the QWAC itself (RFC 8705 §2.1): its organizationIdentifier must equal
 * `client_id`. Codes are single-use and live 60 s; a replayed code revokes what it issued
 * (RFC 6749 §4.1.2). Access tokens are bound to the certificate (RFC 8705 §3).
 */
import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { SandboxContext } from '../context.js';
import type { BankState, Grant, Scope } from '../state.js';
import { readClientCertificate } from './client-certificate.js';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const REQUIRED_ROLE: Record<Scope, string | undefined> = {
  aisp: 'PSP_AI',
  cbpii: 'PSP_IC',
  extended_transaction_history: undefined,
};

class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

function sendOAuthError(res: Response, error: OAuthError): void {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  res.status(error.status).json({ error: error.error, error_description: error.description });
}

/** Sends a token or revocation error the way RFC 6749 §5.2 shapes it. */
export function sendTokenEndpointError(
  res: Response,
  status: number,
  error: string,
  description: string,
) {
  sendOAuthError(res, new OAuthError(status, error, description));
}

/** Reads a form body strictly: right content type, no repeated parameter (RFC 6749 §3.2). */
function readForm(req: Request): URLSearchParams {
  if (!req.is('application/x-www-form-urlencoded')) {
    throw new OAuthError(
      400,
      'invalid_request',
      'content type must be application/x-www-form-urlencoded',
    );
  }
  const form = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
  for (const name of new Set(form.keys())) {
    if (form.getAll(name).length > 1)
      throw new OAuthError(400, 'invalid_request', `${name} is repeated`);
  }
  return form;
}

/** RFC 8705 §2.1: the client is whoever the certificate says, and must be who it claims. */
function authenticateClient(context: SandboxContext, req: Request, form: URLSearchParams) {
  const clientId = form.get('client_id');
  if (!clientId) throw new OAuthError(401, 'invalid_client', 'client_id is required');
  const client = context.clients.get(clientId);
  const certificate = readClientCertificate(req);
  if (!client || !certificate) throw new OAuthError(401, 'invalid_client', 'unknown client');
  if (certificate.organizationIdentifier !== clientId) {
    throw new OAuthError(
      401,
      'invalid_client',
      'client_id does not match the organizationIdentifier of the client certificate',
    );
  }
  return { client, certificate };
}

function requireRoles(scopes: Scope[], roles: string[]): void {
  for (const scope of scopes) {
    const role = REQUIRED_ROLE[scope];
    if (role && !roles.includes(role)) {
      throw new OAuthError(
        400,
        'unauthorized_client',
        `the certificate lacks the ${role} role for ${scope}`,
      );
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createTokenRouter(context: SandboxContext): Router {
  const router = express.Router();
  const body = express.text({ type: () => true, limit: '4kb' });

  const findBank = (req: Request): BankState => {
    const state = context.banks.get(String(req.params.bank));
    if (!state) throw new OAuthError(404, 'invalid_request', 'unknown bank');
    return state;
  };

  const issueTokens = (
    state: BankState,
    grant: Grant,
    scopes: Scope[],
    thumbprint: string,
    refreshToken: 'new' | 'none',
  ) => {
    const profile = state.bank.profile;
    const now = state.now();
    const accessExpiresAt = Math.min(
      now + profile.accessTokenLifetimeSeconds * 1000,
      grant.expiresAt,
    );
    const accessToken = state.issueToken('access', grant, scopes, thumbprint, accessExpiresAt);
    const response: Record<string, string | number> = {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: Math.max(0, Math.floor((accessExpiresAt - now) / 1000)),
      scope: scopes.join(' '),
    };
    if (profile.refreshToken && refreshToken === 'new') {
      response.refresh_token = state.issueToken(
        'refresh',
        grant,
        grant.scopes,
        thumbprint,
        grant.expiresAt,
      );
    }
    return response;
  };

  const exchangeCode = (state: BankState, req: Request, form: URLSearchParams) => {
    const { certificate } = authenticateClient(context, req, form);
    const code = form.get('code');
    const entry = code ? state.codes.get(code) : undefined;
    if (!code || !entry) throw new OAuthError(400, 'invalid_grant', 'unknown authorization code');
    if (entry.used) {
      // RFC 6749 §4.1.2: a code used twice revokes the tokens it already produced.
      state.revokeGrant(entry.grantId);
      throw new OAuthError(400, 'invalid_grant', 'authorization code already used');
    }
    entry.used = true;
    if (entry.expiresAt < state.now())
      throw new OAuthError(400, 'invalid_grant', 'authorization code expired');
    if (entry.clientId !== form.get('client_id')) {
      throw new OAuthError(400, 'invalid_grant', 'authorization code issued to another client');
    }
    if (form.get('redirect_uri') !== entry.redirectUri) {
      throw new OAuthError(
        400,
        'invalid_grant',
        'redirect_uri does not match the authorization request',
      );
    }
    if (entry.codeChallenge !== undefined) {
      // RFC 7636 §4.6: the verifier must hash to the challenge of the authorization request.
      const verifier = form.get('code_verifier');
      if (!verifier || !VERIFIER.test(verifier)) {
        throw new OAuthError(400, 'invalid_grant', 'code_verifier is missing or malformed');
      }
      if (createHash('sha256').update(verifier).digest('base64url') !== entry.codeChallenge) {
        throw new OAuthError(
          400,
          'invalid_grant',
          'code_verifier does not match the code_challenge',
        );
      }
    }
    const grant = state.grants.get(entry.grantId);
    if (!grant || grant.revoked) throw new OAuthError(400, 'invalid_grant', 'consent revoked');
    requireRoles(grant.scopes, certificate.roles);
    return issueTokens(state, grant, grant.scopes, certificate.thumbprint, 'new');
  };

  const refresh = (state: BankState, req: Request, form: URLSearchParams) => {
    const { certificate } = authenticateClient(context, req, form);
    const value = form.get('refresh_token');
    const token = value ? state.tokens.get(value) : undefined;
    if (!value || !token || token.kind !== 'refresh') {
      throw new OAuthError(400, 'invalid_grant', 'unknown refresh token');
    }
    const grant = state.grants.get(token.grantId);
    if (!grant || grant.clientId !== form.get('client_id')) {
      throw new OAuthError(400, 'invalid_grant', 'refresh token issued to another client');
    }
    if (token.revoked) {
      // RFC 9700 §4.14.2: a rotated-out refresh token coming back means it leaked or was
      // double-spent; the whole consent goes.
      state.revokeGrant(grant.id);
      throw new OAuthError(400, 'invalid_grant', 'refresh token revoked');
    }
    if (grant.revoked) throw new OAuthError(400, 'invalid_grant', 'consent revoked');
    if (token.expiresAt <= state.now() || grant.expiresAt <= state.now()) {
      throw new OAuthError(400, 'invalid_grant', 'refresh token expired');
    }
    // The extended history is granted once, with the first access token (NOTES.md §2).
    let scopes = grant.scopes.filter((scope) => scope !== 'extended_transaction_history');
    const asked = form.get('scope');
    if (asked !== null) {
      const wanted = asked.split(' ').filter(Boolean);
      if (wanted.some((scope) => !grant.scopes.includes(scope as Scope))) {
        throw new OAuthError(400, 'invalid_scope', 'scope exceeds the consent');
      }
      scopes = scopes.filter((scope) => wanted.includes(scope));
    }
    requireRoles(scopes, certificate.roles);
    const rotate = state.bank.profile.refreshToken?.rotation === true;
    if (rotate) token.revoked = true;
    return issueTokens(state, grant, scopes, certificate.thumbprint, rotate ? 'new' : 'none');
  };

  router.post('/:bank/token', body, async (req, res) => {
    try {
      const state = findBank(req);
      const grantType =
        typeof req.body === 'string' ? new URLSearchParams(req.body).get('grant_type') : null;
      state.count(`POST /token ${grantType ?? '(none)'}`);
      if (state.scenario.connectionReset) return void req.socket.destroy();
      if (state.scenario.down)
        throw new OAuthError(503, 'temporarily_unavailable', 'the bank is down');
      if (state.scenario.slowTokenMs > 0) await delay(state.scenario.slowTokenMs);
      const form = readForm(req);
      let tokens: Record<string, string | number>;
      if (grantType === 'authorization_code') tokens = exchangeCode(state, req, form);
      else if (grantType === 'refresh_token') tokens = refresh(state, req, form);
      else if (!grantType) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
      else
        throw new OAuthError(
          400,
          'unsupported_grant_type',
          `grant_type ${grantType} is not supported`,
        );
      res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(tokens);
    } catch (error) {
      if (error instanceof OAuthError) return sendOAuthError(res, error);
      throw error;
    }
  });

  router.post('/:bank/revoke', body, (req, res) => {
    try {
      const state = findBank(req);
      state.count('POST /revoke');
      if (!state.bank.profile.revocationEndpoint) {
        throw new OAuthError(404, 'invalid_request', 'this bank has no revocation endpoint');
      }
      if (state.scenario.down)
        throw new OAuthError(503, 'temporarily_unavailable', 'the bank is down');
      const form = readForm(req);
      authenticateClient(context, req, form);
      const value = form.get('token');
      if (!value) throw new OAuthError(400, 'invalid_request', 'token is required');
      const token = state.tokens.get(value);
      const grant = token ? state.grants.get(token.grantId) : undefined;
      // RFC 7009 §2.2: unknown tokens are not an error; revoking a refresh token ends the consent.
      if (token && grant?.clientId === form.get('client_id')) {
        if (token.kind === 'refresh') state.revokeGrant(token.grantId);
        else token.revoked = true;
      }
      res.set('Cache-Control', 'no-store').status(200).end();
    } catch (error) {
      if (error instanceof OAuthError) return sendOAuthError(res, error);
      throw error;
    }
  });

  return router;
}

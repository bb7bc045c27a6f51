/**
 * What a STET gateway checks before a resource handler sees a request, in the order a real one
 * runs them: `Accept`, the bearer token's presence, the draft-cavage `Signature` and `Digest`
 * over the bank's header set (STET 1.4.0.47 Part I §3.5), the token itself and its binding to the
 * client certificate (RFC 8705 §3), the scope, and the PSU context headers.
 */
import type { X509Certificate } from 'node:crypto';
import type { Request } from 'express';
import type { BankDefinition } from '../banks.js';
import type { RegisteredClient, SandboxContext } from '../context.js';
import type { SandboxUser } from '../data/types.js';
import { readClientCertificate } from '../oauth/client-certificate.js';
import type { BankState, Grant, IssuedToken, Scope } from '../state.js';
import { StetError } from './errors.js';
import { createLinkWriter, type LinkWriter } from './links.js';
import { readPresence, type Presence } from './psu-context.js';
import { checkQsealc, QsealcError } from './qsealc-directory.js';
import {
  readRequestSignature,
  SignatureError,
  verifyRequestSignature,
  type RequestSignature,
} from './verify-signature.js';

/** A request that passed the gateway, as the resource handlers see it. */
export interface ApiCall {
  state: BankState;
  grant: Grant;
  token: IssuedToken;
  user: SandboxUser;
  body: Buffer;
  /** Whether the customer is present (`PSU-IP-Address` sent) or the call is unattended. */
  presence: Presence;
  /** Writes `_links` in the bank's style. */
  link: LinkWriter;
}

const MAX_CLOCK_SKEW_SECONDS = 300;

/** A 401 the way the bank writes it: a bare ErrorModel, or with an RFC 6750 §3 challenge. */
export function unauthorized(bank: BankDefinition, message: string, error?: string): StetError {
  if (bank.profile.unauthorizedResponse === 'bare') return new StetError(401, message);
  const challenge = error
    ? `Bearer realm="${bank.id}", error="${error}", error_description="${message}"`
    : `Bearer realm="${bank.id}"`;
  return new StetError(401, message, { 'WWW-Authenticate': challenge });
}

/** The headers a bank wants signed on this request, lower-case. */
function requiredSignedHeaders(bank: BankDefinition, body: Buffer): string[] {
  const profile = bank.profile.signature;
  const required = [...profile.headers];
  if (body.length > 0) required.push(...profile.bodyHeaders);
  if (body.length > 0 || profile.digestOnEveryRequest) required.push('digest');
  return [...new Set(required)];
}

/**
 * Finds the TPP that signed a request and checks the signature with its QSealC. BPCE-like banks
 * look the certificate up by client_id in what the TPP registered; the others take the keyId as
 * the certificate's URL and ask the QSealC directory, which fetches it again when the signature
 * does not verify with the cached one (a renewed QSealC behind the same URL).
 */
async function authenticateSigner(
  context: SandboxContext,
  state: BankState,
  signature: RequestSignature,
): Promise<RegisteredClient> {
  const byClientId = state.bank.profile.signature.keyId === 'client-id';
  const client = [...context.clients.values()].find((candidate) =>
    byClientId ? candidate.clientId === signature.keyId : candidate.qsealcUrl === signature.keyId,
  );
  if (!client) throw new StetError(401, 'signature keyId is not registered');
  const now = state.now();
  if (byClientId) {
    const problem = checkQsealc(client.qsealc, client.clientId, context.trustedCa, now);
    if (problem) throw new StetError(401, `the registered QSealC ${problem}`);
    if (!verifyRequestSignature(signature, client.qsealc)) {
      throw new StetError(401, 'signature does not verify');
    }
    return client;
  }
  let certificate: X509Certificate;
  try {
    certificate = await context.qsealcs.current(client.qsealcUrl, now);
  } catch (error) {
    if (error instanceof QsealcError) throw new StetError(401, error.message);
    throw error;
  }
  if (verifyRequestSignature(signature, certificate)) return client;
  const renewed = await context.qsealcs.renew(client.qsealcUrl, certificate, now);
  if ('certificate' in renewed && verifyRequestSignature(signature, renewed.certificate)) {
    return client;
  }
  const problem = 'problem' in renewed ? renewed.problem : undefined;
  throw new StetError(401, `signature does not verify${problem ? `; ${problem}` : ''}`);
}

/** Runs every gateway check on a request for `scope`; throws a `StetError` on the first failure. */
export async function authorizeCall(
  context: SandboxContext,
  state: BankState,
  req: Request,
  scope: Scope,
): Promise<ApiCall> {
  const { bank } = state;
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const accept = req.get('accept');
  if (accept && !/(application\/(hal\+)?json|\*\/\*|application\/\*)/.test(accept)) {
    throw new StetError(406, 'only application/hal+json is available');
  }
  const authorization = req.get('authorization');
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(authorization ?? '');
  if (!match?.[1]) throw unauthorized(bank, 'bearer access token required');

  let signature: RequestSignature;
  try {
    signature = readRequestSignature(
      { method: req.method, target: req.originalUrl, headers: req.headers, body },
      { required: requiredSignedHeaders(bank, body), maxClockSkewSeconds: MAX_CLOCK_SKEW_SECONDS },
    );
  } catch (error) {
    if (error instanceof SignatureError) throw new StetError(error.status, error.message);
    throw error;
  }
  const signer = await authenticateSigner(context, state, signature);

  const token = state.tokens.get(match[1]);
  const grant = token ? state.grants.get(token.grantId) : undefined;
  const now = state.now();
  if (!token || token.kind !== 'access' || !grant)
    throw unauthorized(bank, 'invalid access token', 'invalid_token');
  if (token.revoked || grant.revoked)
    throw unauthorized(bank, 'access token revoked', 'invalid_token');
  if (token.expiresAt <= now || grant.expiresAt <= now) {
    throw unauthorized(bank, 'access token expired', 'invalid_token');
  }
  const certificate = readClientCertificate(req);
  if (certificate?.thumbprint !== token.certificateThumbprint) {
    const message = 'access token bound to another certificate';
    throw bank.profile.certificateMismatchStatus === 403
      ? new StetError(403, message)
      : unauthorized(bank, message, 'invalid_token');
  }
  if (signer.clientId !== grant.clientId) throw new StetError(401, 'request signed by another TPP');
  if (!token.scopes.includes(scope)) {
    throw new StetError(
      403,
      `scope ${scope} required`,
      bank.profile.unauthorizedResponse === 'bare'
        ? {}
        : {
            'WWW-Authenticate': `Bearer realm="${bank.id}", error="insufficient_scope", scope="${scope}"`,
          },
    );
  }
  const presence = readPresence(req.headers, bank.profile);
  const user = state.findUser(grant.login);
  if (!user) throw new StetError(403, 'consent without customer');
  const link = createLinkWriter(
    bank.profile.linkStyle,
    new URL(`${context.mtlsOrigin}/${bank.id}/`),
  );
  return { state, grant, token, user, body, presence, link };
}

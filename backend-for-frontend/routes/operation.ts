/**
 * Serves one operation of the contract's table: registers its method and path on a router and
 * hands the handler its session (for a `session` operation, found and checked against its DPoP
 * proof before anything else is read: a caller without a valid handle and proof learns nothing
 * more than 401) and its path parameters, query and body, validated against the operation's
 * schemas. The first problem becomes a 400
 * `invalid_request` that names the field; a query parameter that the operation does not take is
 * refused like an unknown body field.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import type { Operation } from '../contract/operations.js';
import type { BffContext } from '../context.js';
import { BffError, invalidRequest } from '../errors.js';
import {
  authenticateSession,
  readCredentials,
  refuseUnlessBrowser,
  type AuthenticatedSession,
  type BrowserCredentials,
} from '../dpop/browser-auth.js';
import { handle } from '../http.js';
import type { SessionRecord } from '../sessions/store.js';

type Parsed<S> = S extends z.ZodType ? z.infer<S> : Record<string, never>;

export interface OperationInput<O extends Operation> {
  /** The caller's session, for the operations whose access is `session`. */
  session: O['access'] extends 'session' ? SessionRecord : undefined;
  /**
   * For `session` and `browser-or-session` operations: the handle and proof the page sent, and
   * the session they open when a handle came (already checked against its proof).
   */
  caller: O['access'] extends 'session' | 'browser-or-session' ? Caller : undefined;
  params: Parsed<O['params']>;
  query: Parsed<O['query']>;
  body: Parsed<O['body']>;
}

const NO_QUERY = z.strictObject({});

/** The first issue of a failed parse, as an `invalid_request` naming its field. */
function describeIssue(error: z.ZodError, where: 'body' | 'query' | 'path'): BffError {
  const issue = error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    const field = issue.keys[0] ?? where;
    return invalidRequest(
      `unknown ${where === 'body' ? 'field' : 'parameter'} ${issue.keys.join(', ')}`,
      [...issue.path, field].join('.'),
    );
  }
  const field = issue?.path.join('.') || where;
  if (issue?.code === 'invalid_type' && issue.input === undefined) {
    return invalidRequest(`${field} is required`, field);
  }
  const message = issue?.message ?? 'invalid';
  // The schemas' own messages name their field already; zod's defaults do not.
  return invalidRequest(message.startsWith(field) ? message : `${field}: ${message}`, field);
}

/** Validates `value` with `schema`, or throws the `invalid_request` of its first problem. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'path',
): z.infer<S> {
  if (where === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw invalidRequest('the body must be a JSON object', 'body');
  }
  const result = schema.safeParse(value);
  if (!result.success) throw describeIssue(result.error, where);
  return result.data;
}

/** What a page presented: its credentials, and its session when it sent a handle. */
export interface Caller {
  credentials: BrowserCredentials;
  authenticated: AuthenticatedSession | undefined;
}

/** What a cookie that opens no session from this page is refused with. */
const STALE_COOKIE = new Set(['session_required', 'dpop_proof_required', 'invalid_dpop_proof']);

/**
 * Who calls: for a `session` operation the handle is required; for `browser-or-session` it
 * opens its session when present. Either way the proof is verified before anything else is read.
 */
async function identifyCaller(
  context: BffContext,
  operation: Operation,
  req: Request,
): Promise<Caller | undefined> {
  if (operation.access !== 'session' && operation.access !== 'browser-or-session') {
    if (operation.access !== 'public') refuseUnlessBrowser(req);
    return undefined;
  }
  const credentials = await readCredentials(context, req);
  if (operation.access === 'browser-or-session' && credentials.handle === undefined) {
    refuseUnlessBrowser(req);
    return { credentials, authenticated: undefined };
  }
  try {
    return { credentials, authenticated: await authenticateSession(context, req, credentials) };
  } catch (error) {
    // The cookie goes with every call, also after its session ended or its key was lost with
    // the browser's storage: a flow started or completed then renews nothing, it connects anew.
    if (
      operation.access !== 'browser-or-session' ||
      credentials.scheme !== 'cookie' ||
      !(error instanceof BffError && STALE_COOKIE.has(error.code))
    ) {
      throw error;
    }
    return { credentials: { ...credentials, handle: undefined }, authenticated: undefined };
  }
}

/** Reads and validates everything an operation takes from the request. */
async function readInput<O extends Operation>(
  context: BffContext,
  operation: O,
  req: Request,
): Promise<OperationInput<O>> {
  const caller = await identifyCaller(context, operation, req);
  const session = operation.access === 'session' ? caller?.authenticated?.session : undefined;
  return {
    session: session as OperationInput<O>['session'],
    caller: caller as OperationInput<O>['caller'],
    params: (operation.params ? parseInput(operation.params, req.params, 'path') : {}) as Parsed<
      O['params']
    >,
    query: (operation.access === 'public'
      ? {}
      : parseInput(operation.query ?? NO_QUERY, { ...req.query }, 'query')) as Parsed<O['query']>,
    body: (operation.body ? parseInput(operation.body, req.body, 'body') : {}) as Parsed<O['body']>,
  };
}

/** Express's form of an OpenAPI path template: `{flowId}` becomes `:flowId`. */
export function toExpressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

export type ServeOperation = <O extends Operation>(
  operation: O,
  handler: (input: OperationInput<O>, req: Request, res: Response) => Promise<void> | void,
  before?: RequestHandler[],
) => void;

/**
 * Binds `serve` to a router and the BFF's context: `serve(operation, handler, before)` registers
 * the operation, behind `before` (a rate limit), and calls `handler` with its input.
 */
export function createServe(router: Router, context: BffContext): ServeOperation {
  return (operation, handler, before = []) => {
    router[operation.method](
      toExpressPath(operation.path),
      ...before,
      handle(async (req, res) => handler(await readInput(context, operation, req), req, res)),
    );
  };
}

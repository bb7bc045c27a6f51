/**
 * Starts the BFF against the sandbox banks for a test file (real TLS and mTLS, a real SQLite file
 * in a temporary folder) and plays the partner page: starting flows, following the bank's
 * redirect to the callback, completing, and calling the API with the session handle.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type {
  ApiError,
  BankScope,
  ConnectedSession,
  CreateFlowResponse,
  FlowMode,
} from '../../backend-for-frontend/contract/index.js';
import { loadConfig, type BffConfig } from '../../backend-for-frontend/config.js';
import { createLogger } from '../../backend-for-frontend/logger.js';
import type { BankConnectDeps } from '../../backend-for-frontend/router.js';
import { listen, type RunningBff } from '../../backend-for-frontend/server.js';
import { buildRegistryFromSandbox } from '../../demo/sandbox/registry-document.js';
import { createPkce, driveConsent, type ConsentChoices } from './consent-driver.js';
import { createContractChecker } from './contract.js';
import { createDpopKey, type TestDpopKey } from './dpop.js';
import { CLIENT_ID, QSEALC_URL, type TestSandbox } from './sandbox.js';

export const PARTNER_ORIGIN = 'https://partner.example';
export const RETURN_TO = `${PARTNER_ORIGIN}/connect`;

export interface TestBff extends RunningBff {
  config: BffConfig;
  dir: string;
  /** Everything the BFF logged, as written. */
  logs: string[];
  /** The page's DPoP key: `call` signs a proof with it unless told otherwise. */
  dpopKey: TestDpopKey;
  /** Calls the BFF as the partner page would, with a fresh DPoP proof by `dpopKey`. */
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  /** Runs a whole consent through the BFF; returns the connected session. */
  connect(aspsp: string, options?: ConnectOptions): Promise<HandledSession>;
  /** Restarts the BFF process state on the same files (a restart). */
  restart(): Promise<TestBff>;
  stop(): Promise<void>;
}

export interface CallOptions {
  handle?: string;
  /** The key to sign the proof with (default: the BFF's `dpopKey`); false: send no proof. */
  dpop?: TestDpopKey | false;
  /** A `DPoP` header to send as it is, instead of signing one. */
  proof?: string;
  /** How the handle is sent (default `DPoP`). */
  scheme?: 'DPoP' | 'Bearer';
  body?: unknown;
  origin?: string | null;
  headers?: Record<string, string>;
  csrf?: boolean;
}

export interface ConnectOptions extends ConsentChoices {
  scopes?: BankScope[];
  mode?: FlowMode;
  /** Reconnect this session instead of creating one. */
  handle?: string;
}

export interface StartedFlow {
  flow: CreateFlowResponse;
  state: string;
  verifier: string;
}

/** A completed flow outside cookie mode: its answer carries the handle. */
export type HandledSession = ConnectedSession & { sessionHandle: string };

let sharedDpopKey: Promise<TestDpopKey> | undefined;

export async function startTestBff(
  sandbox: TestSandbox,
  options: {
    env?: Record<string, string>;
    dir?: string;
    now?: () => number;
    /** How often the webhook dispatcher and scheduler run by themselves. */
    webhookIntervals?: BankConnectDeps['webhookIntervals'];
    /**
     * Another instance's redirect URI, as instances behind one load balancer share it: proofs
     * are then signed for that instance's URL, the public one.
     */
    redirectUri?: string;
  } = {},
): Promise<TestBff> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'bff-')));
  const registryFile = path.join(dir, 'registry.json');
  const banks = (await (await fetch(`${sandbox.browserOrigin}/banks`)).json()) as Parameters<
    typeof buildRegistryFromSandbox
  >[0];
  await writeFile(
    registryFile,
    JSON.stringify(buildRegistryFromSandbox(banks, path.join(sandbox.pki.dir, 'ca.pem'))),
  );
  const pki = sandbox.pki.dir;
  const env = {
    BFF_HOST: 'localhost',
    BFF_PORT: '0',
    BFF_CLIENT_ID: CLIENT_ID,
    BFF_REDIRECT_URI: 'http://localhost:1/v1/callback',
    BFF_QWAC_CERT: path.join(pki, 'tpp-qwac.pem'),
    BFF_QWAC_KEY: path.join(pki, 'tpp-qwac-key.pem'),
    BFF_QSEALC_CERT: path.join(pki, 'tpp-qsealc.pem'),
    BFF_QSEALC_KEY: path.join(pki, 'tpp-qsealc-key.pem'),
    BFF_QSEALC_URL: QSEALC_URL,
    BFF_ALLOWED_ORIGINS: PARTNER_ORIGIN,
    BFF_REGISTRY: registryFile,
    BFF_SESSION_STORE: `sqlite:${path.join(dir, 'sessions.sqlite')}`,
    BFF_SEALING_KEYS: 'Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktMDE',
    BFF_BANK_TIMEOUT_MS: '3000',
    BFF_LOG_LEVEL: 'info',
    ...options.env,
  };
  // The redirect URI names the BFF's port, known only once it listens: register it then.
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level: env.BFF_LOG_LEVEL, destination });
  const provisional = loadConfig({ env });
  const running = await listen(provisional, {
    logger,
    ...(options.now ? { now: options.now } : {}),
    ...(options.webhookIntervals ? { webhookIntervals: options.webhookIntervals } : {}),
  });
  const redirectUri = options.redirectUri ?? `${running.url}/v1/callback`;
  const publicUrl = redirectUri.slice(0, -'/v1/callback'.length);
  const config = { ...provisional, redirectUri };
  await running.close();
  const bound = await listen(
    { ...config, port: Number(new URL(running.url).port) },
    {
      logger,
      ...(options.now ? { now: options.now } : {}),
      ...(options.webhookIntervals ? { webhookIntervals: options.webhookIntervals } : {}),
    },
  );
  const client = sandbox.context.clients.get(CLIENT_ID);
  if (client && !client.redirectUris.includes(redirectUri)) client.redirectUris.push(redirectUri);

  // Every answer a test receives through `call` is checked against the document the BFF serves.
  const contract = createContractChecker(
    (await (await fetch(`${bound.url}/v1/openapi.json`)).json()) as Parameters<
      typeof createContractChecker
    >[0],
  );

  // One key per test process, like one browser: instances that share a store accept its proofs.
  const dpopKey = await (sharedDpopKey ??= createDpopKey());
  let nonce: string | undefined;
  const sign = async (method: string, route: string, call: CallOptions) => {
    if (call.proof !== undefined) return call.proof;
    const key = call.dpop ?? dpopKey;
    if (key === false) return undefined;
    return key.sign({
      htm: method,
      htu: `${publicUrl}${route.split('?')[0] ?? ''}`,
      ...(call.handle ? { handle: call.handle } : {}),
      ...(nonce === undefined ? {} : { nonce }),
    });
  };

  const call = async (method: string, route: string, call: CallOptions = {}) => {
    const proof = await sign(method, route, call);
    const headers: Record<string, string> = {
      // What a partner page's browser sends, which banks want as the customer's context.
      ...(call.origin === null
        ? {}
        : {
            'User-Agent': 'Mozilla/5.0 (bank-connect tests)',
            'Accept-Language': 'fr-FR,fr;q=0.9',
          }),
      ...(call.csrf === false ? {} : { 'X-Bank-Connect': '1' }),
      ...(call.origin === null ? {} : { Origin: call.origin ?? PARTNER_ORIGIN }),
      ...(call.handle ? { Authorization: `${call.scheme ?? 'DPoP'} ${call.handle}` } : {}),
      ...(proof === undefined ? {} : { DPoP: proof }),
      ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...call.headers,
    };
    const response = await fetch(`${bound.url}${route}`, {
      method,
      headers,
      redirect: 'manual',
      ...(call.body === undefined
        ? {}
        : { body: typeof call.body === 'string' ? call.body : JSON.stringify(call.body) }),
    });
    nonce = response.headers.get('dpop-nonce') ?? nonce;
    contract.checkAnswer(
      method,
      route,
      response.status,
      await response.clone().text(),
      response.headers.get('content-type') ?? '',
    );
    return response;
  };

  const bff: TestBff = {
    ...bound,
    config: { ...config, port: Number(new URL(running.url).port) },
    dir,
    logs,
    dpopKey,
    call,
    connect: async (aspsp, connectOptions = {}) => {
      const started = await startFlow(bff, aspsp, connectOptions);
      const fragment = await returnFromBank(bff, started, connectOptions);
      return completeFlow(bff, started, fragment, connectOptions.handle);
    },
    restart: async () => {
      await bound.close();
      return startTestBff(sandbox, {
        ...options,
        dir,
        env: { ...options.env, BFF_PORT: String(bff.config.port) },
      });
    },
    stop: async () => {
      await bound.close();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
  return bff;
}

/**
 * A valid `POST /v1/flows` body (azur, redirect mode, a fresh state and PKCE pair); tests change
 * one field at a time through `overrides`.
 */
export function flowRequestBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aspsp: 'azur',
    scopes: ['aisp'],
    state: createPkce().verifier,
    codeChallenge: createPkce().challenge,
    codeChallengeMethod: 'S256',
    mode: 'redirect',
    returnTo: RETURN_TO,
    ...overrides,
  };
}

/** `POST /v1/flows` with a fresh state and PKCE pair. */
export async function startFlow(
  bff: TestBff,
  aspsp: string,
  options: ConnectOptions = {},
): Promise<StartedFlow> {
  const pkce = createPkce();
  const state = createPkce().verifier;
  const response = await bff.call('POST', '/v1/flows', {
    ...(options.handle ? { handle: options.handle } : {}),
    body: flowRequestBody({
      aspsp,
      state,
      codeChallenge: pkce.challenge,
      ...(options.scopes ? { scopes: options.scopes } : {}),
      ...(options.mode ? { mode: options.mode } : {}),
    }),
  });
  if (response.status !== 201)
    throw new Error(`POST /v1/flows: ${response.status} ${await response.text()}`);
  return { flow: (await response.json()) as CreateFlowResponse, state, verifier: pkce.verifier };
}

/**
 * Walks the bank's pages and follows the bank's redirect to the BFF callback (redirect mode),
 * returning the fragment parameters the page would receive.
 */
export async function returnFromBank(
  bff: TestBff,
  started: StartedFlow,
  choices: ConsentChoices = {},
): Promise<URLSearchParams> {
  const back = await driveConsent(started.flow.authorizationUrl, choices);
  if (!back.href.startsWith(`${bff.url}/v1/callback`))
    throw new Error(`the bank sent the customer to ${back.href}`);
  const callback = await fetch(back, { redirect: 'manual' });
  if (callback.status !== 303)
    throw new Error(`callback answered ${callback.status}: ${await callback.text()}`);
  const location = new URL(callback.headers.get('location') ?? '');
  return new URLSearchParams(location.hash.slice(1));
}

/** `POST /v1/flows/{id}/complete` with what the fragment carried. */
export async function completeFlow(
  bff: TestBff,
  started: StartedFlow,
  fragment: URLSearchParams,
  handle?: string,
): Promise<HandledSession> {
  const response = await requestCompletion(bff, started, fragment, handle);
  if (response.status !== 200)
    throw new Error(`complete: ${response.status} ${await response.text()}`);
  const session = (await response.json()) as ConnectedSession;
  if (session.sessionHandle === undefined) throw new Error('the completion answered no handle');
  return session as HandledSession;
}

export function requestCompletion(
  bff: TestBff,
  started: StartedFlow,
  fragment: URLSearchParams,
  handle?: string,
  overrides: Record<string, unknown> = {},
): Promise<Response> {
  const iss = fragment.get('iss');
  return bff.call('POST', `/v1/flows/${started.flow.flowId}/complete`, {
    ...(handle ? { handle } : {}),
    body: {
      code: fragment.get('code'),
      state: fragment.get('state'),
      ...(iss ? { iss } : {}),
      codeVerifier: started.verifier,
      ...overrides,
    },
  });
}

export async function readError(response: Response): Promise<ApiError> {
  return (await response.json()) as ApiError;
}

/**
 * The sandbox and one or more BFF instances as child processes, and a customer connecting
 * through a BFF with plain HTTP (the consent pages are plain forms).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  ConnectedSession,
  CreateFlowResponse,
} from '../../../backend-for-frontend/contract/index.js';
import { createPkce, driveConsent } from '../../support/consent-driver.js';
import { createDpopKey, type TestDpopKey } from '../../support/dpop.js';
import type { BffChildInfo } from './bff-child.js';
import { findFreePort, startChild, type Child } from './processes.js';
import type { SandboxChildInfo } from './sandbox-child.js';

export const PARTNER_ORIGIN = 'https://partner.example';

const SANDBOX_SCRIPT = fileURLToPath(new URL('./sandbox-child.ts', import.meta.url));
const BFF_SCRIPT = fileURLToPath(new URL('./bff-child.ts', import.meta.url));

export interface Stack {
  sandbox: Child<SandboxChildInfo>;
  bffs: Child<BffChildInfo>[];
  stop(): Promise<void>;
}

export interface StackOptions {
  /** How many BFF instances (default 1). */
  instances?: number;
  /** `BFF_SESSION_STORE` for every instance (default: a SQLite file per instance). */
  store?: string;
  /** Also connect at this bank in the sandbox process and announce the access token. */
  connectAt?: string;
  allowedOrigins?: string[];
  /** Writes CPU profiles into this folder when the processes stop: `bff/` and `bank/`. */
  cpuProfileDir?: string;
}

/** Starts the sandbox, then the BFF instances (with their redirect URIs registered). */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const ports: number[] = [];
  for (let index = 0; index < (options.instances ?? 1); index++) ports.push(await findFreePort());
  const started: Child<unknown>[] = [];
  const stop = async () => {
    for (const child of started.reverse()) await child.stop();
  };
  try {
    const sandbox = await startChild<SandboxChildInfo>(SANDBOX_SCRIPT, {
      env: {
        BENCH_REDIRECT_URIS: ports.map((port) => `http://localhost:${port}/v1/callback`).join(','),
        ...(options.connectAt ? { BENCH_CONNECT: options.connectAt } : {}),
      },
      ...(options.cpuProfileDir ? { cpuProfileDir: path.join(options.cpuProfileDir, 'bank') } : {}),
    });
    started.push(sandbox);
    const bffs: Child<BffChildInfo>[] = [];
    for (const port of ports) {
      const bff = await startChild<BffChildInfo>(BFF_SCRIPT, {
        env: {
          BENCH_SANDBOX_ORIGIN: sandbox.info.browserOrigin,
          BENCH_BFF_PORT: String(port),
          BENCH_ALLOWED_ORIGINS: [PARTNER_ORIGIN, ...(options.allowedOrigins ?? [])].join(','),
          ...(options.store ? { BENCH_BFF_STORE: options.store } : {}),
        },
        ...(options.cpuProfileDir
          ? { cpuProfileDir: path.join(options.cpuProfileDir, 'bff') }
          : {}),
      });
      started.push(bff);
      bffs.push(bff);
    }
    return { sandbox, bffs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The partner page's DPoP key: one for the whole bench process, like one browser. */
const pageKey = createDpopKey();

/**
 * The headers the partner page sends to the BFF for `method url`: with a fresh DPoP proof, and the
 * session handle when it has one. Sign once per request: the BFF refuses a proof seen before.
 */
export async function partnerHeaders(
  method: string,
  url: string,
  handle?: string,
): Promise<Record<string, string>> {
  const key = await pageKey;
  return partnerHeadersSync(key, method, url, handle);
}

/** `partnerHeaders` with the key at hand, for load generators that sign for every request. */
export function partnerHeadersSync(
  key: TestDpopKey,
  method: string,
  url: string,
  handle?: string,
): Record<string, string> {
  return {
    'X-Bank-Connect': '1',
    Origin: PARTNER_ORIGIN,
    // What the page's browser sends, which banks want as the customer's context.
    'User-Agent': 'Mozilla/5.0 (bench)',
    'Accept-Language': 'fr-FR',
    DPoP: key.signSync({ htm: method, htu: url, ...(handle ? { handle } : {}) }),
    ...(handle ? { Authorization: `DPoP ${handle}` } : {}),
  };
}

/** The page's key, for `partnerHeadersSync`. */
export function benchPageKey(): Promise<TestDpopKey> {
  return pageKey;
}

/** Runs a whole redirect-mode consent through the BFF at `bffUrl` and returns the session. */
export async function connectThroughBff(bffUrl: string, aspsp: string): Promise<ConnectedSession> {
  const pkce = createPkce();
  const state = createPkce().verifier;
  const created = await fetch(`${bffUrl}/v1/flows`, {
    method: 'POST',
    headers: {
      ...(await partnerHeaders('POST', `${bffUrl}/v1/flows`)),
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      aspsp,
      scopes: ['aisp'],
      state,
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      mode: 'redirect',
      returnTo: `${PARTNER_ORIGIN}/connect`,
    }),
  });
  if (created.status !== 201) throw new Error(`POST /v1/flows: ${created.status}`);
  const flow = (await created.json()) as CreateFlowResponse;
  const back = await driveConsent(flow.authorizationUrl);
  const callback = await fetch(back, { redirect: 'manual' });
  const fragment = new URLSearchParams(
    new URL(callback.headers.get('location') ?? '', bffUrl).hash.slice(1),
  );
  const iss = fragment.get('iss');
  const completeUrl = `${bffUrl}/v1/flows/${flow.flowId}/complete`;
  const completed = await fetch(completeUrl, {
    method: 'POST',
    headers: { ...(await partnerHeaders('POST', completeUrl)), 'Content-Type': 'application/json' },
    body: JSON.stringify({
      code: fragment.get('code'),
      state: fragment.get('state'),
      ...(iss ? { iss } : {}),
      codeVerifier: pkce.verifier,
    }),
  });
  if (completed.status !== 200)
    throw new Error(`complete: ${completed.status} ${await completed.text()}`);
  return (await completed.json()) as ConnectedSession;
}

/**
 * Starts the sandbox banks for a test file, on free ports, with the admin API, and gives the
 * test what a TPP would use: the QWAC over mTLS, the QSealC to sign, the web server that publishes
 * the QSealC at its keyId URL, and the admin API to steer.
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetch, type Agent, type Response } from 'undici';
import { signRequest } from '../../backend-for-frontend/stet/http-signature.js';
import { SANDBOX_BANKS, type BankDefinition } from '../../demo/sandbox/banks.js';
import { startSandbox, type RunningSandbox } from '../../demo/sandbox/sandbox.js';
import { fetchQsealcOverHttp, type FetchQsealc } from '../../demo/sandbox/stet/qsealc-directory.js';
import { TPP_ORGANIZATION_ID } from '../pki/generate-certs.js';
import {
  buildAuthorizeUrl,
  createPkce,
  driveConsent,
  type ConsentChoices,
} from './consent-driver.js';
import { createMtlsAgent } from './mtls.js';
import { loadTestPki, type TestPki } from './pki.js';

export const CLIENT_ID = TPP_ORGANIZATION_ID;
export const QSEALC_URL = 'https://tpp.bank-connect.test/qsealc.pem';
export const REDIRECT_URI = 'https://tpp.bank-connect.test/v1/callback';

export interface TestSandbox extends RunningSandbox {
  pki: TestPki;
  agent: Agent;
  /** The definition a bank of this sandbox runs with (test overrides included). */
  bank(id: string): BankDefinition;
  /** Calls the admin API. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  /**
   * Calls a bank API signed the way the bank's profile wants, over mTLS with `agent`. `path` is
   * under the bank's `/v1`, or a whole URL (a link the bank sent, resolved by the test).
   */
  callApi(bankId: string, path: string, options?: ApiCallOptions): Promise<Response>;
  /** Posts a form to a bank's `/token` over mTLS. */
  postToken(bankId: string, form: Record<string, string>, agent?: Agent): Promise<Response>;
  /** Runs a whole consent and code exchange; returns the token response. */
  connect(bankId: string, options?: { scope?: string } & ConsentChoices): Promise<Tokens>;
  /** What the TPP's web server serves at the QSealC URL from now on; `null` answers 404. */
  publishQsealc(pem: string | null): void;
  /** How many times the banks fetched the QSealC URL so far. */
  qsealcFetches(): number;
  stop(): Promise<void>;
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  scope: string;
}

export interface ApiCallOptions {
  method?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  agent?: Agent;
  /** Leave the request unsigned. */
  unsigned?: boolean;
  /** Changes the headers after signing, to tamper with a signed request. */
  tamper?: (headers: Record<string, string>) => void;
  /** Overrides the keyId the request is signed with. */
  keyId?: string;
  /** Signs with this key instead of the TPP's QSealC key (a renewed or a rogue one). */
  sealKey?: KeyObject;
}

export interface TestSandboxOptions {
  redirectUris?: string[];
  admin?: boolean;
  /** Bank definitions to run instead of `SANDBOX_BANKS`, e.g. with a profile switched. */
  banks?: readonly BankDefinition[];
  /** Least time between two fetches of the QSealC URL; the sandbox's default when absent. */
  qsealcRefetchIntervalMs?: number;
}

interface QsealcPublisher {
  /** Fetches as a bank would, with the keyId URL's host name resolved to this server. */
  fetch: FetchQsealc;
  publish: (pem: string | null) => void;
  fetches: () => number;
  close: () => Promise<void>;
}

/**
 * The TPP's web server, on localhost, publishing its QSealC at the path of `qsealcUrl`. Banks
 * fetch it over real HTTP; only the name in the URL, a reserved `.test` one, is resolved here.
 */
async function startQsealcPublisher(qsealcUrl: string, pem: string): Promise<QsealcPublisher> {
  const published = new URL(qsealcUrl);
  let body: string | null = pem;
  let fetches = 0;
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== `${published.pathname}${published.search}`) {
      return void res.writeHead(404).end();
    }
    fetches += 1;
    if (body === null) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    fetch: (url, signal) => {
      const target = new URL(url);
      if (target.host !== published.host) return fetchQsealcOverHttp(url, signal);
      return fetchQsealcOverHttp(
        `http://127.0.0.1:${port}${target.pathname}${target.search}`,
        signal,
      );
    },
    publish: (pem) => {
      body = pem;
    },
    fetches: () => fetches,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `SANDBOX_BANKS` with one bank's profile changed, for tests of another bank behaviour. */
export function withProfile(
  id: string,
  changes: Partial<BankDefinition['profile']>,
): BankDefinition[] {
  return SANDBOX_BANKS.map((bank) =>
    bank.id === id ? { ...bank, profile: { ...bank.profile, ...changes } } : bank,
  );
}

export async function startTestSandbox(options: TestSandboxOptions = {}): Promise<TestSandbox> {
  const pki = await loadTestPki();
  const publisher = await startQsealcPublisher(QSEALC_URL, pki['tpp-qsealc.pem']);
  const sandbox = await startSandbox({
    httpPort: 0,
    mtlsPort: 0,
    admin: options.admin ?? true,
    tls: { cert: pki['server.pem'], key: pki['server-key.pem'], ca: pki['ca.pem'] },
    clients: [
      {
        clientId: CLIENT_ID,
        name: 'Fintech Démo',
        redirectUris: options.redirectUris ?? [REDIRECT_URI],
        qsealcPem: pki['tpp-qsealc.pem'],
        qsealcUrl: QSEALC_URL,
      },
    ],
    ...(options.banks ? { banks: options.banks } : {}),
    fetchQsealc: publisher.fetch,
    ...(options.qsealcRefetchIntervalMs === undefined
      ? {}
      : { qsealcRefetchIntervalMs: options.qsealcRefetchIntervalMs }),
  }).catch(async (error: unknown) => {
    await publisher.close();
    throw error;
  });
  const agent = createMtlsAgent(pki);
  const sealKey = createPrivateKey(pki['tpp-qsealc-key.pem']);

  const bank = (id: string) => {
    const found = sandbox.context.banks.get(id)?.bank;
    if (!found) throw new Error(`no sandbox bank ${id}`);
    return found;
  };

  const postToken = (bankId: string, form: Record<string, string>, viaAgent: Agent = agent) =>
    fetch(`${sandbox.mtlsOrigin}/${bankId}/token`, {
      method: 'POST',
      dispatcher: viaAgent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });

  return {
    ...sandbox,
    pki,
    agent,
    bank,
    admin: (method, path, body) =>
      fetch(`${sandbox.mtlsOrigin}/__admin${path}`, {
        method,
        dispatcher: agent,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      }),
    callApi: async (bankId, path, call = {}) => {
      const url = new URL(
        path.startsWith('https:') ? path : `${sandbox.mtlsOrigin}/${bankId}/v1${path}`,
      );
      const body =
        call.body === undefined
          ? undefined
          : Buffer.from(typeof call.body === 'string' ? call.body : JSON.stringify(call.body));
      // The customer is present, with what the most demanding bank (lumiere) asks of them; a test
      // of an unattended call blanks PSU-IP-Address ('') and sends none of these.
      const unattended = call.headers?.['PSU-IP-Address'] === '';
      let headers: Record<string, string> = {
        'X-Request-ID': randomUUID(),
        ...(unattended
          ? {}
          : {
              'PSU-IP-Address': '192.0.2.10',
              'PSU-IP-Port': '50123',
              'PSU-User-Agent': 'Mozilla/5.0 (bank-connect tests)',
              'PSU-Accept-Language': 'fr-FR',
            }),
        Accept: 'application/hal+json',
        ...(call.token ? { Authorization: `Bearer ${call.token}` } : {}),
        ...(body ? { 'Content-Type': 'application/json' } : {}),
        ...call.headers,
      };
      for (const [name, value] of Object.entries(headers)) if (value === '') delete headers[name];
      if (!call.unsigned) {
        const profile = bank(bankId).profile.signature;
        headers = await signRequest(
          { method: call.method ?? 'GET', url, headers, ...(body ? { body } : {}) },
          {
            keyId: call.keyId ?? (profile.keyId === 'client-id' ? CLIENT_ID : QSEALC_URL),
            privateKey: call.sealKey ?? sealKey,
          },
          profile,
        );
      }
      call.tamper?.(headers);
      return fetch(url, {
        method: call.method ?? 'GET',
        headers,
        dispatcher: call.agent ?? agent,
        ...(body ? { body } : {}),
      });
    },
    postToken,
    connect: async (bankId, { scope = 'aisp', ...choices } = {}) => {
      const pkce = createPkce();
      const back = await driveConsent(
        buildAuthorizeUrl(`${sandbox.browserOrigin}/${bankId}/authorize`, {
          response_type: 'code',
          client_id: CLIENT_ID,
          redirect_uri: options.redirectUris?.[0] ?? REDIRECT_URI,
          scope,
          state: 'test',
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
        }),
        choices,
      );
      const code = back.searchParams.get('code');
      if (!code) throw new Error(`consent at ${bankId} failed: ${back.href}`);
      const response = await postToken(bankId, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: options.redirectUris?.[0] ?? REDIRECT_URI,
        client_id: CLIENT_ID,
        code_verifier: pkce.verifier,
      });
      if (response.status !== 200)
        throw new Error(`token exchange at ${bankId}: ${await response.text()}`);
      return (await response.json()) as Tokens;
    },
    publishQsealc: publisher.publish,
    qsealcFetches: publisher.fetches,
    stop: async () => {
      await agent.close();
      await sandbox.close();
      await publisher.close();
    },
  };
}

/**
 * The path under a sandbox bank's `/v1` API of a HAL `href`, whatever the bank's link style: an
 * absolute URL, an absolute path, or the 1.4.0.47 form relative to the API root (`v1/…`).
 */
export function apiPathOf(bankId: string, href: string): string {
  const url = new URL(href, `https://sandbox.invalid/${bankId}/`);
  return `${url.pathname}${url.search}`.replace(`/${bankId}/v1`, '');
}

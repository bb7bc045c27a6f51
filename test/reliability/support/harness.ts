/**
 * Shared helpers for the reliability suite: sandbox call counters, scripted bank faults that
 * change from one bank call to the next, the `ApiError` shape check, and raw HTTP/1.1 requests
 * for what `fetch` refuses to send (CR/LF, non-ASCII bytes, huge headers).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { ApiError, ErrorCode } from '../../../backend-for-frontend/contract/index.js';
import { ERROR_CODES as ALL_ERROR_CODES } from '../../../backend-for-frontend/contract/errors.js';
import { HEALTHY, type Scenario } from '../../../demo/sandbox/state.js';
import type { TestSandbox } from '../../support/sandbox.js';

/** Every stable error code of the contract's error table, for shape checks. */
export const ERROR_CODES: ReadonlySet<ErrorCode> = new Set(ALL_ERROR_CODES);

const ERROR_KEYS = new Set([
  'error',
  'message',
  'retryable',
  'field',
  'aspsp',
  'retryAfter',
  'requestId',
]);

/** Asserts that a parsed body is exactly an `ApiError` and returns it typed. */
export function assertApiError(body: unknown, context = ''): ApiError {
  assert.ok(body !== null && typeof body === 'object' && !Array.isArray(body), context);
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) assert.ok(ERROR_KEYS.has(key), `${context}: key ${key}`);
  assert.ok(ERROR_CODES.has(record.error as ErrorCode), `${context}: code ${String(record.error)}`);
  assert.equal(typeof record.message, 'string', context);
  if ('aspsp' in record) assert.equal(typeof record.aspsp, 'string', context);
  if ('retryAfter' in record) assert.ok(Number.isInteger(record.retryAfter), context);
  if ('requestId' in record) assert.match(String(record.requestId), /^[A-Za-z0-9._:-]{1,64}$/);
  return record as unknown as ApiError;
}

/** The sandbox's per-endpoint call counters of one bank (`GET /accounts`, `POST /token …`). */
export async function bankCalls(
  sandbox: TestSandbox,
  bank: string,
): Promise<Record<string, number>> {
  const response = await sandbox.admin('GET', `/banks/${bank}/calls`);
  assert.equal(response.status, 200);
  return (await response.json()) as Record<string, number>;
}

export async function resetCalls(sandbox: TestSandbox, bank: string): Promise<void> {
  assert.equal((await sandbox.admin('DELETE', `/banks/${bank}/calls`)).status, 204);
}

/**
 * Scripts a bank's behaviour call by call on one endpoint: the n-th call to `endpoint` sees
 * `steps[n]` (then healthy). The sandbox counts a call before it reads its scenario, so the
 * switch is deterministic, with no race against the BFF's backoff. Returns the undo.
 */
export function scriptFaults(
  sandbox: TestSandbox,
  bank: string,
  endpoint: string,
  steps: Array<Partial<Scenario>>,
): () => void {
  const state = sandbox.context.banks.get(bank);
  if (!state) throw new Error(`no sandbox bank ${bank}`);
  const original = state.count.bind(state);
  let seen = 0;
  state.count = (name: string) => {
    if (name === endpoint) {
      state.scenario = { ...HEALTHY, ...(steps[seen] ?? {}) };
      seen += 1;
    }
    original(name);
  };
  return () => {
    Reflect.deleteProperty(state, 'count');
    state.scenario = { ...HEALTHY };
  };
}

/** Runs `run` with a bank scenario set through the admin API, then heals the bank. */
export async function during(
  sandbox: TestSandbox,
  bank: string,
  scenario: Partial<Scenario>,
  run: () => Promise<void>,
): Promise<void> {
  assert.equal((await sandbox.admin('PUT', `/banks/${bank}/scenario`, scenario)).status, 200);
  try {
    await run();
  } finally {
    await sandbox.admin('PUT', `/banks/${bank}/scenario`, {});
  }
}

/** Polls `check` until it holds or the deadline passes (no fixed sleeps). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setTimeout(resolve, 20));
  }
}

export interface RawResponse {
  status: number;
  /** Raw header lines, as sent (lower-cased names). */
  headers: Array<[string, string]>;
  head: string;
  body: string;
}

/**
 * Sends bytes as they are over a fresh TCP connection (`Connection: close` expected in `head`)
 * and parses the HTTP/1.1 answer. For requests `fetch` would refuse to build.
 */
export function rawRequest(url: string, head: Buffer | string, body = ''): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      const headText = split === -1 ? text : text.slice(0, split);
      const [statusLine = '', ...lines] = headText.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const headers = lines.map((line): [string, string] => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
      });
      let payload = split === -1 ? '' : text.slice(split + 4);
      if (headers.some(([name, value]) => name === 'transfer-encoding' && value === 'chunked')) {
        payload = dechunk(payload);
      }
      resolve({ status, headers, head: headText, body: Buffer.from(payload, 'latin1').toString() });
    });
    socket.write(typeof head === 'string' ? Buffer.from(head, 'latin1') : head);
    if (body) socket.write(body);
  });
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const line = rest.indexOf('\r\n');
    if (line === -1) return out;
    const size = parseInt(rest.slice(0, line), 16);
    if (!size) return out;
    out += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 2 + size + 2);
  }
}

/** The host:port of a URL, for a raw request's Host header. */
export function hostOf(url: string): string {
  return new URL(url).host;
}

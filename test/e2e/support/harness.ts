/**
 * End-to-end harness: the real demo (sandbox banks and BFF as their own processes, the demo
 * server), Debian Chromium driven by Playwright, and a recorder of everything the browser
 * receives and keeps, so journeys can prove that no bank token ever reaches it.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Agent, fetch } from 'undici';
import { startDemo, type RunningDemo } from '../../../demo/start.js';
import { DEFAULT_PKI_DIR } from '../../pki/generate-certs.js';
import { CHROMIUM_ARGS, findBrowser } from '../../support/find-browser.js';
import { findFreePort } from '../../support/ports.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const ARTIFACTS = path.join(root, 'test/e2e/artifacts');

export interface E2eDemo extends RunningDemo {
  admin(method: string, route: string, body?: unknown): Promise<unknown>;
  /** Every token the sandbox banks ever issued. */
  issuedTokens(): Promise<string[]>;
  /** Sets the demo's clock and the banks' back to real time, as the presenter's reset does. */
  resetClock(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the demo on free ports with a fresh data folder. */
export async function startE2eDemo(): Promise<E2eDemo> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'e2e-demo-'));
  const ports = {
    demo: await findFreePort(),
    bff: await findFreePort(),
    sandboxHttp: await findFreePort(),
    sandboxMtls: await findFreePort(),
  };
  const demo = await startDemo({ ports, dataDir, skipBuild: true, log: () => undefined });
  const read = (file: string) => readFile(path.join(DEFAULT_PKI_DIR, file), 'utf8');
  const agent = new Agent({
    connect: {
      cert: await read('tpp-qwac.pem'),
      key: await read('tpp-qwac-key.pem'),
      ca: await read('ca.pem'),
    },
  });
  const admin = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${demo.sandboxAdminOrigin}/__admin${route}`, {
      method,
      dispatcher: agent,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!response.ok) throw new Error(`admin ${method} ${route}: ${response.status}`);
    return response.status === 204 ? undefined : await response.json();
  };
  return {
    ...demo,
    admin,
    issuedTokens: async () =>
      ((await admin('GET', '/tokens')) as { tokens: Array<{ value: string }> }).tokens.map(
        (token) => token.value,
      ),
    resetClock: async () => {
      const response = await fetch(`${demo.url}/presenter/reset`, {
        method: 'POST',
        headers: { 'X-Fourmi-Presenter': '1' },
      });
      if (!response.ok) throw new Error(`presenter reset: ${response.status}`);
    },
    close: async () => {
      await agent.close();
      await demo.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: findBrowser(),
    args: [...CHROMIUM_ARGS, '--disable-quic', '--no-first-run'],
  });
}

/**
 * Serialises the DOM with every shadow root, both storages and the recorded event details. A
 * string, not a function: the test's TypeScript transpiler would add helpers the page lacks.
 */
const SNAPSHOT_SCRIPT = `(() => {
  const walk = (node) => {
    let out = node instanceof Element ? node.outerHTML : '';
    if (node instanceof Element && node.shadowRoot) {
      for (const child of node.shadowRoot.childNodes) out += walk(child);
    }
    for (const child of node.childNodes) if (child instanceof Element) out += walk(child);
    return out;
  };
  const dump = (storage) => {
    const entries = {};
    for (let i = 0; i < storage.length; i++) entries[storage.key(i)] = storage.getItem(storage.key(i));
    return JSON.stringify(entries);
  };
  return [walk(document.documentElement), dump(localStorage), dump(sessionStorage),
    JSON.stringify(window.__bankConnectEvents || [])].join('\\n');
})()`;

/** Everything a browser context received or kept, and every problem its pages reported. */
export class Recorder {
  readonly texts: string[] = [];
  readonly problems: string[] = [];
  readonly #pending: Array<Promise<void>> = [];

  constructor(readonly context: BrowserContext) {
    context.on('response', (response) => {
      this.texts.push(`${response.url()}\n${JSON.stringify(response.headers())}`);
      if (response.status() >= 300 && response.status() < 400) return;
      this.#pending.push(
        response.text().then(
          (body) => void this.texts.push(body),
          () => undefined,
        ),
      );
    });
    context.on('page', (page) => this.watch(page));
    for (const page of context.pages()) this.watch(page);
  }

  watch(page: Page): void {
    page.on('console', (message) => {
      if (message.type() === 'error')
        this.problems.push(`console error on ${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) =>
      this.problems.push(`page error on ${page.url()}: ${error.message}`),
    );
  }

  /** Adds what the browser keeps: cookies, storage, the DOM (shadow roots included), events. */
  async snapshot(page: Page): Promise<void> {
    await Promise.all(this.#pending);
    this.texts.push(JSON.stringify(await this.context.cookies()));
    if (page.isClosed()) return;
    this.texts.push(await page.evaluate<string>(SNAPSHOT_SCRIPT));
  }

  /** The tokens of `tokens` found anywhere in what was recorded. */
  findTokens(tokens: string[]): string[] {
    const corpus = this.texts.join('\n');
    return tokens.filter((token) => corpus.includes(token));
  }
}

/** Records every `bank-connect-*` event detail and every CSP violation, from the first script on. */
export async function instrument(context: BrowserContext): Promise<void> {
  await context.addInitScript(`(() => {
    const events = [];
    window.__bankConnectEvents = events;
    for (const name of ['bank-connect-success', 'bank-connect-cancel', 'bank-connect-error', 'bank-connect-step']) {
      window.addEventListener(name, (event) => events.push({ name, detail: event.detail }), true);
    }
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI);
    });
  })()`);
}

/**
 * Saves a screenshot into test/e2e/artifacts (git-ignored), and also into `E2E_SCREENSHOTS_DIR`
 * when set: `npm run screenshots` regenerates the README's committed ones that way.
 */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  const committed = process.env.E2E_SCREENSHOTS_DIR;
  if (committed) {
    await mkdir(path.resolve(root, committed), { recursive: true });
    await copyFile(file, path.resolve(root, committed, `${name}.png`));
  }
  return file;
}

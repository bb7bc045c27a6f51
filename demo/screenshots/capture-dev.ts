/**
 * Screenshots of the Fourmi demo for design review, without the full stack: builds the demo,
 * serves `dist/demo` with the production Content-Security-Policy, and answers the BFF and the
 * sandbox's logos from a fixture (demo/site/fixtures) through Playwright's request routing.
 *
 *   npx tsx demo/screenshots/capture-dev.ts [--no-build] [--out <dir>]
 *
 * Writes PNGs to `dist/screenshots/` and fails if the page logs an error or a CSP violation.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type BrowserContext, type Page, type Route } from 'playwright-core';
import { createBffFixture, type BffFixture } from '../site/fixtures/bff-fixture.js';
import { CHROMIUM_ARGS, findBrowser } from '../../test/support/find-browser.js';
import { buildDemo } from '../build-demo.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const site = join(repo, 'dist', 'demo');
const BFF = 'http://localhost:8080';
const SANDBOX = 'http://localhost:9080';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' http://localhost:* data:",
  "connect-src 'self' http://localhost:*",
  "worker-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "require-trusted-types-for 'script'",
  // 'allow-duplicates': the drop-in bundles its own Lit, and the page's Lit creates the same
  // policy name. Without it, whichever loads second cannot create its policy and fails.
  "trusted-types lit-html 'allow-duplicates'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.webmanifest': 'application/manifest+json',
};

/** Serves the built demo like demo/server.ts will: static files, /config.json, the CSP. */
function serveDemo(): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    void (async () => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      response.setHeader('Content-Security-Policy', CSP);
      if (path === '/config.json') {
        response.setHeader('Content-Type', 'application/json');
        response.end(JSON.stringify({ bffUrl: BFF, sandboxUrl: SANDBOX }));
        return;
      }
      if (path === '/presenter/scenario') {
        response.statusCode = 204;
        response.end();
        return;
      }
      const file = normalize(join(site, path === '/' ? 'index.html' : path));
      if (!file.startsWith(site)) {
        response.statusCode = 403;
        response.end();
        return;
      }
      try {
        const body = await readFile(file);
        response.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
        response.end(body);
      } catch {
        response.statusCode = 404;
        response.end('not found');
      }
    })();
  });
  return new Promise((resolve) => {
    server.listen(0, 'localhost', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, origin: `http://localhost:${port}` });
    });
  });
}

type Mode = 'ok' | 'reauth' | 'slow';

/** Answers the BFF's routes from the fixture, with the CORS headers the real BFF sends. */
async function routeBff(context: BrowserContext, fixture: BffFixture, mode: () => Mode) {
  await context.route(`${BFF}/**`, async (route: Route) => {
    const request = route.request();
    const origin = (await request.headerValue('origin')) ?? '*';
    const headers = {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Headers': 'authorization, content-type, x-bank-connect',
      'Access-Control-Allow-Methods': 'GET, POST, DELETE',
      'Content-Type': 'application/json',
    };
    if (request.method() === 'OPTIONS') return route.fulfill({ status: 204, headers });
    const url = new URL(request.url());
    const json = (status: number, body: unknown) =>
      route.fulfill({ status, headers, body: JSON.stringify(body) });
    if (url.pathname === '/v1/aspsps') return json(200, { aspsps: fixture.aspsps });
    if (mode() === 'slow') await new Promise((resolve) => setTimeout(resolve, 60_000));
    if (url.pathname === '/v1/session' && request.method() === 'DELETE') {
      return route.fulfill({ status: 204, headers });
    }
    if (url.pathname === '/v1/session') {
      const status = mode() === 'reauth' ? 'reauth_required' : 'active';
      return json(200, { ...fixture.session, status });
    }
    if (mode() === 'reauth') {
      return json(401, {
        error: 'reauth_required',
        message: 'the consent has ended',
        aspsp: 'azur',
      });
    }
    if (url.pathname === '/v1/identity') return json(200, fixture.identity);
    if (url.pathname === '/v1/accounts') return json(200, { accounts: fixture.accounts });
    const match = /^\/v1\/accounts\/([^/]+)\/transactions$/.exec(url.pathname);
    if (match) {
      const from = url.searchParams.get('dateFrom') ?? '0000-00-00';
      const to = url.searchParams.get('dateTo') ?? '9999-99-99';
      const list = (fixture.transactions[match[1] ?? ''] ?? []).filter(
        (transaction) =>
          (transaction.bookingDate ?? '') >= from && (transaction.bookingDate ?? '') < to,
      );
      return json(200, { transactions: list, nextCursor: null });
    }
    return json(404, { error: 'not_found', message: 'no such route' });
  });
  await context.route(`${SANDBOX}/*/logo.svg`, async (route) => {
    const id = new URL(route.request().url()).pathname.split('/')[1] ?? '';
    const bank = fixture.aspsps.find((aspsp) => aspsp.id === id);
    const initials = (bank?.name ?? '?')
      .split(' ')
      .filter((word) => word.length > 2)
      .map((word) => word[0])
      .join('')
      .slice(0, 2);
    await route.fulfill({
      contentType: 'image/svg+xml',
      headers: { 'Access-Control-Allow-Origin': '*' },
      body: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" fill="${bank?.colour ?? '#555'}"/><text x="32" y="41" font-family="sans-serif" font-size="24" font-weight="700" fill="#fff" text-anchor="middle">${initials}</text></svg>`,
    });
  });
}

interface Shot {
  name: string;
  path: string;
  viewport: { width: number; height: number };
  theme?: 'light' | 'dark';
  connected?: boolean;
  mode?: Mode;
  presenter?: boolean;
  lang?: 'fr' | 'en';
  fullPage?: boolean;
  /** Something to do before the screenshot. */
  action?: 'reconnect' | 'disconnect';
}

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

const SHOTS: Shot[] = [
  { name: 'empty-desktop', path: '/', viewport: DESKTOP },
  { name: 'empty-phone', path: '/', viewport: PHONE, fullPage: true },
  { name: 'empty-desktop-dark', path: '/', viewport: DESKTOP, theme: 'dark' },
  { name: 'connected-desktop', path: '/', viewport: DESKTOP, connected: true, fullPage: true },
  { name: 'connected-phone', path: '/', viewport: PHONE, connected: true, fullPage: true },
  {
    name: 'connected-desktop-dark',
    path: '/',
    viewport: DESKTOP,
    connected: true,
    theme: 'dark',
    fullPage: true,
  },
  { name: 'connected-desktop-en', path: '/', viewport: DESKTOP, connected: true, lang: 'en' },
  { name: 'loading-desktop', path: '/', viewport: DESKTOP, connected: true, mode: 'slow' },
  { name: 'reauth-desktop', path: '/', viewport: DESKTOP, connected: true, mode: 'reauth' },
  {
    name: 'reconnect-phone',
    path: '/',
    viewport: PHONE,
    connected: true,
    mode: 'reauth',
    action: 'reconnect',
  },
  {
    name: 'disconnected-desktop',
    path: '/',
    viewport: DESKTOP,
    connected: true,
    action: 'disconnect',
  },
  { name: 'presenter-desktop', path: '/', viewport: DESKTOP, connected: true, presenter: true },
  { name: 'presenter-phone', path: '/', viewport: PHONE, presenter: true },
  { name: 'react-empty-desktop', path: '/react.html', viewport: DESKTOP },
  { name: 'react-connected-phone', path: '/react.html', viewport: PHONE, connected: true },
];

async function capture(page: Page, shot: Shot, origin: string, out: string): Promise<void> {
  await page.goto(`${origin}${shot.path}`);
  if (shot.mode === 'slow') {
    await page.locator('.skeleton').first().waitFor();
  } else if (shot.mode === 'reauth') {
    await page.getByRole('button', { name: /Reconnecter|Reconnect/ }).waitFor();
  } else if (shot.connected) {
    await page.getByTestId('transaction-row').first().waitFor();
  } else {
    await page.locator('bank-connect').getByRole('option').first().waitFor({ timeout: 10_000 });
  }
  if (shot.action === 'reconnect') {
    await page.getByRole('button', { name: 'Reconnecter Banque Azur' }).click();
    await page.locator('bank-connect').getByRole('heading', { level: 2 }).first().waitFor();
    await page.waitForTimeout(300);
  }
  if (shot.action === 'disconnect') {
    await page
      .getByRole('region', { name: 'Vos comptes' })
      .getByRole('button', { name: 'Déconnecter' })
      .click();
    await page.locator('bank-connect').getByRole('option').first().waitFor({ timeout: 10_000 });
    const stored = await page.evaluate(() => localStorage.getItem('fourmi:session'));
    if (stored !== null) throw new Error('the session handle is still stored after disconnecting');
  }
  if (shot.presenter) {
    await page.getByRole('button', { name: /Mode présentateur|Presenter mode/ }).click();
    await page.getByRole('log').waitFor();
  }
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: join(out, `${shot.name}.png`), fullPage: shot.fullPage ?? false });
}

const { values } = parseArgs({
  options: { 'no-build': { type: 'boolean' }, out: { type: 'string' } },
});
const out = values.out ?? join(repo, 'dist', 'screenshots');
if (!values['no-build']) await buildDemo({ log: (message) => console.log(message) });
const { server, origin } = await serveDemo();
const browser = await chromium.launch({
  executablePath: findBrowser(),
  args: [...CHROMIUM_ARGS],
});
const problems: string[] = [];
try {
  await mkdir(out, { recursive: true });
  const today = new Date().toISOString().slice(0, 10);
  const fixture = createBffFixture(today, SANDBOX);
  for (const shot of SHOTS) {
    const context = await browser.newContext({
      viewport: shot.viewport,
      deviceScaleFactor: shot.viewport.width < 500 ? 2 : 1,
      colorScheme: shot.theme ?? 'light',
      reducedMotion: 'reduce',
      serviceWorkers: 'block',
    });
    await context.addInitScript(
      ({ connected, lang }) => {
        if (connected) localStorage.setItem('fourmi:session', 'fixture-session-handle');
        if (lang) localStorage.setItem('fourmi:preferences', JSON.stringify({ lang }));
      },
      { connected: shot.connected ?? false, lang: shot.lang },
    );
    await routeBff(context, fixture, () => shot.mode ?? 'ok');
    const page = await context.newPage();
    page.on('console', (message) => {
      // The browser logs every 4xx; the reauth shot expects the BFF's 401s.
      const expected = shot.mode === 'reauth' && message.text().includes('401');
      if (message.type() === 'error' && !expected) problems.push(`${shot.name}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`${shot.name}: ${error.message}`));
    try {
      await capture(page, shot, origin, out);
      console.log(`captured ${shot.name}`);
    } catch (error) {
      problems.push(
        `${shot.name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      );
      await page.screenshot({ path: join(out, `${shot.name}-failed.png`) });
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exitCode = 1;
}
console.log(`screenshots in ${out}`);

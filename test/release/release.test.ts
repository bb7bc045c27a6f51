/**
 * The release check: the two packages as a partner installs them. Both are packed with `npm
 * pack` and installed from their tarballs into a new project in a temporary folder, with no path
 * into this repository. Then:
 * - a ten-line Express app mounts the router of `@bank-connect/bff` against the sandbox banks;
 * - a partner page on another origin loads `/bank-connect.js` from that BFF in Chromium, with no
 *   `bff` attribute, and completes a consent;
 * - a small Vite app imports `@bank-connect/widget` and `@bank-connect/widget/client`, builds,
 *   and type-checks a consumer file against the published declarations; its bundle holds no
 *   server code.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { buildRegistryFromSandbox } from '../../demo/sandbox/registry-document.js';
import { launchBrowser } from '../e2e/support/harness.js';
import { findFreePort } from '../support/ports.js';
import { CLIENT_ID, QSEALC_URL, startTestSandbox, type TestSandbox } from '../support/sandbox.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs a command to its end; rejects with its output when it fails. */
function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, npm_config_fund: 'false' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

/** Starts a long-running process; resolves once it prints `ready`. */
function startProcess(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; ready: RegExp },
): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.ready.test(output)) resolve({ child, output: () => output });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited ${code}:\n${output}`)));
  });
}

/** The partner's whole server, exactly as docs/backend.md tells a backend developer to write it. */
async function readMountExample(): Promise<string> {
  const page = await readFile(path.join(ROOT, 'docs/backend.md'), 'utf8');
  const example = /## Install and mount[\s\S]*?```js\n([\s\S]*?)```/.exec(page)?.[1];
  if (!example) throw new Error('docs/backend.md has no mount example');
  return example;
}

/** A partner page on its own origin: the one-line integration, nothing else. */
const PARTNER_PAGE = (bff: string) => `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Partner</title>
<script type="module" src="${bff}/bank-connect.js"></script></head>
<body><bank-connect mode="popup" partner="Partenaire"></bank-connect>
<script type="module">
  document.querySelector('bank-connect').addEventListener('bank-connect-success', (event) => {
    window.connected = event.detail;
  });
</script></body></html>`;

/** The consumer of the ES build, type-checked against the published declarations. */
const CONSUMER = `import {
  BankConnectError,
  defineBankConnect,
  type AccountList,
  type BankConnect,
  type SuccessDetail,
} from '@bank-connect/widget';
import {
  BankConnectError as ClientError,
  createBankConnectClient,
  type BankConnectClient,
  type Transaction,
} from '@bank-connect/widget/client';

defineBankConnect();
const element: BankConnect = document.createElement('bank-connect');
element.bff = 'https://bff.example/';
element.addEventListener('bank-connect-success', (event) => {
  const detail: SuccessDetail = event.detail;
  document.title = detail.aspsp;
});
export function countAccounts(list: AccountList): number {
  return list.accounts.filter((account) => account.type === 'current').length;
}
export const failure = new BankConnectError('BFF_MISSING', 'no bff');
document.body.append(element);

// The session's data, with DPoP proofs of the key the element connected it with.
export async function readHistory(sessionHandle: string): Promise<Transaction[]> {
  const client: BankConnectClient = createBankConnectClient({
    bff: 'https://bff.example/',
    sessionHandle,
    retries: 1,
  });
  const { accounts } = await client.accounts();
  const found: Transaction[] = [];
  for await (const page of client.transactionPages(accounts[0]?.id ?? '', { dateFrom: '2026-01-01' })) {
    found.push(...page.transactions);
  }
  return found;
}
export function isReauth(error: unknown): boolean {
  return error instanceof ClientError && error.code === 'REAUTH_REQUIRED';
}
`;

describe('the packages as a partner installs them', () => {
  let project: string;
  let sandbox: TestSandbox;
  let browser: Browser | undefined;
  let bff: ChildProcess | undefined;
  let partner: Server | undefined;
  let bffUrl = '';

  before(async () => {
    project = await mkdtemp(path.join(tmpdir(), 'bank-connect-release-'));
    await run('npm', ['run', 'build'], ROOT);
    const packed: string[] = [];
    for (const workspace of ['widget', 'backend-for-frontend']) {
      const output = await run(
        'npm',
        ['pack', '--workspace', workspace, '--pack-destination', project, '--json'],
        ROOT,
      );
      const [described] = JSON.parse(output.slice(output.indexOf('['))) as { filename: string }[];
      if (!described) throw new Error(`npm pack of ${workspace} described no tarball`);
      packed.push(path.join(project, described.filename));
    }
    const [widgetTarball = '', bffTarball = ''] = packed;
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({
        name: 'partner',
        private: true,
        type: 'module',
        dependencies: {
          '@bank-connect/widget': `file:${widgetTarball}`,
          '@bank-connect/bff': `file:${bffTarball}`,
          express: '^5.3.0',
        },
        devDependencies: { typescript: '5.9', vite: '^8.3.8' },
        allowScripts: { 'better-sqlite3': true, esbuild: true },
      }),
    );
    await run('npm', ['install', '--no-audit', '--prefer-offline'], project);
  });

  after(async () => {
    bff?.kill('SIGTERM');
    partner?.close();
    await browser?.close();
    await sandbox?.stop();
    if (project) await rm(project, { recursive: true, force: true });
  });

  it('installs each package with only what it runs', async () => {
    const read = async (name: string) =>
      JSON.parse(
        await readFile(path.join(project, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { dependencies?: Record<string, string> };
    assert.deepEqual(Object.keys((await read('@bank-connect/widget')).dependencies ?? {}).sort(), [
      'lit',
    ]);
    const installed = await readdir(path.join(project, 'node_modules'));
    assert.ok(!installed.includes('redis'), 'redis is optional: a SQLite user does not get it');
    const files = await readdir(path.join(project, 'node_modules/@bank-connect/bff/dist'));
    assert.ok(files.includes('index.js') && files.includes('index.d.ts'), 'compiled, with types');
    assert.ok(!files.some((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')));
  });

  it('mounts the router in a ten-line Express app, which a page on another origin uses with one script tag', async () => {
    sandbox = await startTestSandbox();
    const port = await findFreePort();
    bffUrl = `http://localhost:${port}`;
    partner = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(PARTNER_PAGE(bffUrl));
    });
    await new Promise<void>((resolve) => partner?.listen(0, '127.0.0.1', resolve));
    const partnerOrigin = `http://127.0.0.1:${(partner.address() as AddressInfo).port}`;

    const registry = path.join(project, 'registry.json');
    const banks = (await (await fetch(`${sandbox.browserOrigin}/banks`)).json()) as Parameters<
      typeof buildRegistryFromSandbox
    >[0];
    await writeFile(
      registry,
      JSON.stringify(buildRegistryFromSandbox(banks, path.join(sandbox.pki.dir, 'ca.pem'))),
    );
    const redirectUri = `${bffUrl}/v1/callback`;
    sandbox.context.clients.get(CLIENT_ID)?.redirectUris.push(redirectUri);
    const example = await readMountExample();
    await writeFile(path.join(project, 'server.mjs'), example);
    assert.ok(example.trim().split('\n').length <= 10, 'ten lines');
    const pki = sandbox.pki.dir;
    const started = await startProcess('node', ['server.mjs'], {
      cwd: project,
      ready: /ready/,
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        BFF_CLIENT_ID: CLIENT_ID,
        BFF_REDIRECT_URI: redirectUri,
        BFF_QWAC_CERT: path.join(pki, 'tpp-qwac.pem'),
        BFF_QWAC_KEY: path.join(pki, 'tpp-qwac-key.pem'),
        BFF_QSEALC_CERT: path.join(pki, 'tpp-qsealc.pem'),
        BFF_QSEALC_KEY: path.join(pki, 'tpp-qsealc-key.pem'),
        BFF_QSEALC_URL: QSEALC_URL,
        BFF_ALLOWED_ORIGINS: partnerOrigin,
        BFF_REGISTRY: registry,
        BFF_SESSION_STORE: `sqlite:${path.join(project, 'sessions.sqlite')}`,
        BFF_SEALING_KEYS: 'Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktMDE',
      },
    });
    bff = started.child;

    browser = await launchBrowser();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(partnerOrigin);
    await page.getByRole('option', { name: /Banque Azur/ }).click();
    const [bank] = await Promise.all([
      context.waitForEvent('page'),
      page.getByRole('button', { name: 'Continuer vers Banque Azur' }).click(),
    ]);
    await bank.getByLabel('Identifiant').fill('marie.dupont');
    await bank.getByLabel('Mot de passe').fill('azerty');
    await bank.getByRole('button', { name: 'Se connecter' }).click();
    const code = /(\d{6})/.exec((await bank.locator('.demo-code').textContent()) ?? '')?.[1] ?? '';
    await bank.getByLabel('Code de sécurité').fill(code);
    await bank.getByRole('button', { name: 'Valider' }).click();
    await bank.getByRole('button', { name: 'Autoriser l’accès' }).click();
    const detail = (await page.waitForFunction('window.connected')).jsonValue() as Promise<{
      aspsp: string;
      sessionHandle: string;
    }>;
    assert.equal((await detail).aspsp, 'azur');
    assert.match((await detail).sessionHandle, /^[A-Za-z0-9_-]{43}$/);
    assert.doesNotMatch(started.output(), /"level":50/, 'the BFF logged no error');
  });

  it('builds a Vite app on the ES module, type-checked against the published types, with no server code', async () => {
    const app = path.join(project, 'app');
    await mkdir(path.join(app, 'src'), { recursive: true });
    await writeFile(
      path.join(app, 'index.html'),
      '<!doctype html><html><body><script type="module" src="/src/main.ts"></script></body></html>',
    );
    await writeFile(path.join(app, 'src/main.ts'), CONSUMER);
    await writeFile(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'ESNext',
          moduleResolution: 'bundler',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        include: ['src'],
      }),
    );
    await run(path.join(project, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], app);
    await run(path.join(project, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], app);
    const assets = path.join(app, 'dist/assets');
    const bundle = (
      await Promise.all(
        (await readdir(assets))
          .filter((file) => file.endsWith('.js'))
          .map((file) => readFile(path.join(assets, file), 'utf8')),
      )
    ).join('\n');
    assert.match(bundle, /bank-connect/, 'the element is in the bundle');
    for (const server of [/express/, /better-sqlite3/, /node:/, /\bpino\b/, /undici/, /zod/]) {
      assert.doesNotMatch(bundle, server, `no server code: ${server}`);
    }
  });
});

/**
 * `npm start`: the whole demo on one laptop, no network. It generates the test PKI if missing,
 * builds the widget and the demo, starts the sandbox banks as their own process and the BFF
 * (configured for them) in this one, serves the demo and its partner server on
 * http://localhost, prints the one URL to open, and stops everything on Ctrl-C.
 *
 * The BFF runs here so that it reads the demo's clock: the presenter can move time forward to
 * show a consent nearing its end, and the banks' clocks move with it.
 *
 * Ports: DEMO_PORT (5173), BFF_PORT (8080), SANDBOX_HTTP_PORT (9080), SANDBOX_MTLS_PORT (9443).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../backend-for-frontend/config.js';
import { createLogger } from '../backend-for-frontend/logger.js';
import { createPartnerKey } from '../backend-for-frontend/partner/keys.js';
import { listen, type RunningBff } from '../backend-for-frontend/server.js';
import { DEFAULT_PKI_DIR, ensureTestPki } from '../test/pki/generate-certs.js';
import { DemoClock } from './clock.js';
import { buildDemo } from './build-demo.js';
import { writeSandboxRegistry } from './sandbox/write-registry.js';
import { createDemoServer } from './server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface DemoPorts {
  demo: number;
  bff: number;
  sandboxHttp: number;
  sandboxMtls: number;
}

export interface RunningDemo {
  url: string;
  bffUrl: string;
  sandboxUrl: string;
  sandboxAdminOrigin: string;
  stop(): Promise<void>;
}

export interface StartDemoOptions {
  ports: DemoPorts;
  /** Where the BFF keeps its SQLite file and the registry (default `.data/demo`). */
  dataDir?: string;
  log?: (message: string) => void;
  /** Skip the build (the caller built already). */
  skipBuild?: boolean;
}

/** Reads a port variable, refusing anything that is not a port number. */
export function readPort(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`${name} must be a port number between 1 and 65535, got "${raw}"`);
  }
  return port;
}

/** Fails with a clear message when a port is taken, before anything starts. */
async function assertPortFree(port: number, variable: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} is already in use: stop what uses it, or set ${variable} to another port`
            : `cannot use port ${port} (${variable}): ${error.message}`,
        ),
      ),
    );
    probe.listen(port, 'localhost', () => probe.close(() => resolve()));
  });
}

/** Polls a URL until it answers, the child dies, or the deadline passes. */
async function waitUntilReady(
  url: string,
  child: ChildProcess,
  name: string,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`${name} stopped during start-up:\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new Error(`${name} did not become ready at ${url}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 500)));
  }
}

/** The demo BFF's sealing key: generated once into the demo's data folder, never committed. */
async function readDemoSealingKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'sealing-key');
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (/^[A-Za-z0-9_-]{43}$/.test(existing.trim())) return existing.trim();
  const key = randomBytes(32).toString('base64url');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return key;
}

function startChild(
  name: string,
  script: string,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    // Vite's build sets NODE_ENV=production in this process; the demo's services are not production.
    env: { ...process.env, NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => lines.slice(-30).join('\n') || `(${name} printed nothing)` };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts the sandbox banks, the BFF and the demo server; resolves when all answer. */
export async function startDemo(options: StartDemoOptions): Promise<RunningDemo> {
  const log = options.log ?? ((message: string) => console.log(message));
  const { ports } = options;
  const dataDir = path.resolve(root, options.dataDir ?? '.data/demo');
  await assertPortFree(ports.demo, 'DEMO_PORT');
  await assertPortFree(ports.bff, 'BFF_PORT');
  await assertPortFree(ports.sandboxHttp, 'SANDBOX_HTTP_PORT');
  await assertPortFree(ports.sandboxMtls, 'SANDBOX_MTLS_PORT');

  log('[1/5] test PKI');
  log(`      ${await ensureTestPki(DEFAULT_PKI_DIR)}`);
  if (!options.skipBuild) {
    log('[2/5] building the widget and the demo');
    await buildDemo({ log: (message) => log(`      ${message}`) });
  }

  const children: ChildProcess[] = [];
  let bffServer: RunningBff | undefined;
  let demoServer: Server | undefined;
  let closeDemoApp: (() => Promise<void>) | undefined;
  let stopping = false;
  const stop = async () => {
    stopping = true;
    await new Promise<void>((resolve) =>
      demoServer ? demoServer.close(() => resolve()) : resolve(),
    );
    demoServer?.closeAllConnections();
    await closeDemoApp?.();
    await bffServer?.close();
    await Promise.all(children.map(stopChild));
  };

  try {
    const bffUrl = `http://localhost:${ports.bff}`;
    const demoUrl = `http://localhost:${ports.demo}`;
    const sandboxUrl = `http://localhost:${ports.sandboxHttp}`;
    const sandboxAdminOrigin = `https://localhost:${ports.sandboxMtls}`;

    log(`[3/5] sandbox banks on ${sandboxUrl} and ${sandboxAdminOrigin} (mTLS)`);
    const sandbox = startChild('the sandbox banks', 'demo/sandbox/main.ts', {
      SANDBOX_HTTP_PORT: String(ports.sandboxHttp),
      SANDBOX_MTLS_PORT: String(ports.sandboxMtls),
      SANDBOX_ADMIN: '1',
      SANDBOX_REDIRECT_URIS: `${bffUrl}/v1/callback`,
      SANDBOX_QSEALC_URL: `${bffUrl}/v1/qsealc.pem`,
    });
    children.push(sandbox.child);
    await waitUntilReady(
      `${sandboxUrl}/healthz`,
      sandbox.child,
      'the sandbox banks',
      sandbox.output,
    );

    log(`[4/5] backend-for-frontend on ${bffUrl}`);
    await mkdir(dataDir, { recursive: true });
    const registryFile = path.join(dataDir, 'registry.json');
    await writeSandboxRegistry(
      `${sandboxUrl}/banks`,
      registryFile,
      path.join(DEFAULT_PKI_DIR, 'ca.pem'),
    );
    // The demo's partner server reads the BFF with this key; only its hash goes to the BFF.
    const partnerKey = createPartnerKey('fourmi-demo');
    const webhookSecret = `whsec_${randomBytes(32).toString('base64')}`;
    const clock = new DemoClock();
    const env = {
      BFF_HOST: 'localhost',
      BFF_PORT: String(ports.bff),
      BFF_CLIENT_ID: 'PSDFR-ACPR-12345',
      BFF_REDIRECT_URI: `${bffUrl}/v1/callback`,
      BFF_QWAC_CERT: path.join(DEFAULT_PKI_DIR, 'tpp-qwac.pem'),
      BFF_QWAC_KEY: path.join(DEFAULT_PKI_DIR, 'tpp-qwac-key.pem'),
      BFF_QSEALC_CERT: path.join(DEFAULT_PKI_DIR, 'tpp-qsealc.pem'),
      BFF_QSEALC_KEY: path.join(DEFAULT_PKI_DIR, 'tpp-qsealc-key.pem'),
      BFF_QSEALC_URL: `${bffUrl}/v1/qsealc.pem`,
      BFF_ALLOWED_ORIGINS: demoUrl,
      BFF_REGISTRY: registryFile,
      BFF_SESSION_STORE: `sqlite:${path.join(dataDir, 'sessions.sqlite')}`,
      BFF_SEALING_KEYS: await readDemoSealingKey(dataDir),
      BFF_PARTNER_KEYS: partnerKey.entry,
      // Fourmi's server (the demo server) receives the BFF's webhooks, over loopback HTTP.
      BFF_WEBHOOK_URLS: `${demoUrl}/webhooks/bank-connect`,
      BFF_WEBHOOK_SECRET: webhookSecret,
      BFF_LOG_LEVEL: process.env.BFF_LOG_LEVEL ?? 'warn',
    };
    const bffConfig = loadConfig({ env: { ...env, NODE_ENV: 'development' }, cwd: root });
    bffServer = await listen(bffConfig, {
      logger: createLogger({ level: bffConfig.logLevel }),
      now: () => clock.now(),
    });

    log(`[5/5] demo on ${demoUrl}`);
    const read = (file: string) => readFile(path.join(DEFAULT_PKI_DIR, file), 'utf8');
    const app = createDemoServer({
      distDir: path.join(root, 'dist/demo'),
      origin: demoUrl,
      bffUrl,
      sandboxUrl,
      sandboxAdminOrigin,
      partnerKey: partnerKey.key,
      clock,
      webhookSecret,
      runScheduler: async () => {
        await bffServer?.app.bankConnect.webhooks?.scheduler.runOnce();
      },
      tls: {
        cert: await read('tpp-qwac.pem'),
        key: await read('tpp-qwac-key.pem'),
        ca: await read('ca.pem'),
      },
    });
    closeDemoApp = () => app.close();
    demoServer = await new Promise<Server>((resolve, reject) => {
      const server = app.listen(ports.demo, 'localhost', (error?: Error) =>
        error ? reject(error) : resolve(server),
      );
    });

    for (const [name, child, output] of [
      ['the sandbox banks', sandbox.child, sandbox.output],
    ] as const) {
      child.once('exit', (code, signal) => {
        // Ctrl-C reaches the whole process group: children stopping then are expected.
        if (stopping || signal !== null || code === 0) return;
        log(`${name} stopped unexpectedly (exit ${String(code)}):\n${output()}`);
      });
    }
    return { url: demoUrl, bffUrl, sandboxUrl, sandboxAdminOrigin, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function main(): Promise<void> {
  const ports: DemoPorts = {
    demo: readPort('DEMO_PORT', 5173),
    bff: readPort('BFF_PORT', 8080),
    sandboxHttp: readPort('SANDBOX_HTTP_PORT', 9080),
    sandboxMtls: readPort('SANDBOX_MTLS_PORT', 9443),
  };
  const started = Date.now();
  const demo = await startDemo({ ports });
  console.log(`\nReady in ${((Date.now() - started) / 1000).toFixed(1)} s. Open ${demo.url}\n`);
  console.log(
    'Test customer: marie.dupont / azerty (docs/sandbox.md lists the others). Ctrl-C stops everything.',
  );
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the demo, the BFF and the sandbox banks');
    demo.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error(`\nnpm start failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}

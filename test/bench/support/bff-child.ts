/**
 * One BFF instance in its own process, for the benchmarks, configured like test/support/bff.ts
 * but logging (at info, as in production) to a sink instead of memory, so a long load run does not
 * grow the process. Environment: `BENCH_SANDBOX_ORIGIN` (the sandbox's browser origin),
 * `BENCH_BFF_PORT`, `BENCH_BFF_STORE` (a `BFF_SESSION_STORE` value), `BENCH_ALLOWED_ORIGINS`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../../backend-for-frontend/config.js';
import { createLogger } from '../../../backend-for-frontend/logger.js';
import { listen } from '../../../backend-for-frontend/server.js';
import { buildRegistryFromSandbox } from '../../../demo/sandbox/registry-document.js';
import { loadTestPki } from '../../support/pki.js';
import { CLIENT_ID, QSEALC_URL } from '../../support/sandbox.js';
import { serveCpuUsage } from './cpu.js';
import { announceReady, required, stopOnSignal } from './processes.js';

export interface BffChildInfo {
  url: string;
  /** This process's `process.cpuUsage()`, for bff-cpu.ts. */
  cpuUrl: string;
}

const sandboxOrigin = required('BENCH_SANDBOX_ORIGIN');
const port = required('BENCH_BFF_PORT');
const pki = await loadTestPki();
const dir = await mkdtemp(path.join(tmpdir(), 'bench-bff-'));
const registryFile = path.join(dir, 'registry.json');
const banks = (await (await fetch(`${sandboxOrigin}/banks`)).json()) as Parameters<
  typeof buildRegistryFromSandbox
>[0];
await writeFile(
  registryFile,
  JSON.stringify(buildRegistryFromSandbox(banks, path.join(pki.dir, 'ca.pem'))),
);
const config = loadConfig({
  env: {
    BFF_HOST: 'localhost',
    BFF_PORT: port,
    BFF_CLIENT_ID: CLIENT_ID,
    BFF_REDIRECT_URI: `http://localhost:${port}/v1/callback`,
    BFF_QWAC_CERT: path.join(pki.dir, 'tpp-qwac.pem'),
    BFF_QWAC_KEY: path.join(pki.dir, 'tpp-qwac-key.pem'),
    BFF_QSEALC_CERT: path.join(pki.dir, 'tpp-qsealc.pem'),
    BFF_QSEALC_KEY: path.join(pki.dir, 'tpp-qsealc-key.pem'),
    BFF_QSEALC_URL: QSEALC_URL,
    BFF_ALLOWED_ORIGINS: process.env.BENCH_ALLOWED_ORIGINS ?? 'https://partner.example',
    BFF_REGISTRY: registryFile,
    BFF_SESSION_STORE: process.env.BENCH_BFF_STORE ?? `sqlite:${path.join(dir, 'sessions.sqlite')}`,
    BFF_SEALING_KEYS: 'Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktMDE',
    BFF_BANK_TIMEOUT_MS: '10000',
    BFF_LOG_LEVEL: 'info',
  },
});
const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
const running = await listen(config, {
  logger: createLogger({ level: 'info', destination: sink }),
});
stopOnSignal(async () => {
  await running.close();
  await rm(dir, { recursive: true, force: true });
});
const info: BffChildInfo = { url: running.url, cpuUrl: await serveCpuUsage() };
announceReady(info);

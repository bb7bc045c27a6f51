/**
 * `npm run sandbox`: the sandbox banks on their own, for a person to click through a consent or
 * for a BFF under development to talk to. Configured by environment variables:
 *
 * - `SANDBOX_HOST` (default `localhost`), `SANDBOX_HTTP_PORT` (9080), `SANDBOX_MTLS_PORT` (9443)
 * - `SANDBOX_REDIRECT_URIS`: comma-separated redirect URIs registered for the TPP
 *   (default `http://localhost:8080/v1/callback`)
 * - `SANDBOX_QSEALC_URL`: the keyId under which the TPP's QSealC is registered
 *   (default `http://localhost:8080/v1/qsealc.pem`); banks whose keyId is this URL fetch the
 *   certificate from it when a signature does not verify with the one in `.certs`
 * - `SANDBOX_ADMIN=1`: mount the test-only admin API on the mTLS listener
 * - `SANDBOX_CERTS`: the test PKI folder (default `.certs`)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DEFAULT_PKI_DIR,
  ensureTestPki,
  TPP_ORGANIZATION_ID,
} from '../../test/pki/generate-certs.js';
import { startSandbox } from './sandbox.js';

function readPort(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`${name} must be a port number between 0 and 65535, got "${raw}"`);
  }
  return port;
}

async function main(): Promise<void> {
  const certs = process.env.SANDBOX_CERTS
    ? path.resolve(process.env.SANDBOX_CERTS)
    : DEFAULT_PKI_DIR;
  console.log(await ensureTestPki(certs));
  const read = (file: string) => readFile(path.join(certs, file));
  const redirectUris = (process.env.SANDBOX_REDIRECT_URIS ?? 'http://localhost:8080/v1/callback')
    .split(',')
    .map((uri) => uri.trim())
    .filter(Boolean);
  for (const uri of redirectUris) {
    if (!URL.canParse(uri)) throw new Error(`SANDBOX_REDIRECT_URIS has an invalid URL: "${uri}"`);
  }
  const httpPort = readPort('SANDBOX_HTTP_PORT', 9080);
  const mtlsPort = readPort('SANDBOX_MTLS_PORT', 9443);
  const sandbox = await startSandbox({
    host: process.env.SANDBOX_HOST || 'localhost',
    httpPort,
    mtlsPort,
    admin: process.env.SANDBOX_ADMIN === '1',
    tls: {
      cert: await read('server.pem'),
      key: await read('server-key.pem'),
      ca: await read('ca.pem'),
    },
    clients: [
      {
        clientId: TPP_ORGANIZATION_ID,
        name: 'Fintech Démo',
        redirectUris,
        qsealcPem: await read('tpp-qsealc.pem'),
        qsealcUrl: process.env.SANDBOX_QSEALC_URL ?? 'http://localhost:8080/v1/qsealc.pem',
      },
    ],
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') {
      throw new Error(
        `port ${String((error as { port?: number }).port ?? '')} is already in use: stop what uses it or set SANDBOX_HTTP_PORT / SANDBOX_MTLS_PORT`,
      );
    }
    throw error;
  });

  console.log(
    `sandbox banks: directory ${sandbox.browserOrigin}/banks, APIs ${sandbox.mtlsOrigin} (mTLS)`,
  );
  for (const state of sandbox.context.banks.values()) {
    console.log(
      `  ${state.bank.name.padEnd(24)} ${sandbox.browserOrigin}/${state.bank.id}/authorize`,
    );
  }
  console.log(`registered redirect URIs: ${redirectUris.join(', ')}`);
  console.log(
    'test customers (password azerty): marie.dupont, luc.martin, claire.petit (SCA fails)',
  );
  if (process.env.SANDBOX_ADMIN === '1') console.log(`admin API: ${sandbox.mtlsOrigin}/__admin`);

  const stop = () => {
    console.log('stopping the sandbox banks');
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`sandbox: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

/**
 * The floor of a proxied read, in its own process: what any client of a STET bank must spend per
 * `GET /accounts`, one RSA-2048 signature (the BFF's `signRequest`, the QSealC key) and one
 * request over mutual TLS with undici, nothing else. `GET /run?rate=…&ms=…` sends that many a
 * second for that long and answers the CPU this process used for them. Environment:
 * `BENCH_MTLS_ORIGIN`, `BENCH_TOKEN` (an access token of `BENCH_BANK`), `BENCH_BANK`.
 */
import { createPrivateKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { loadTestPki } from '../../support/pki.js';
import { signDirect } from '../bff-overhead.js';
import { sendAtRate } from './cpu.js';
import { announceReady, required, stopOnSignal } from './processes.js';

export interface FloorChildInfo {
  url: string;
}

export interface FloorRun {
  sent: number;
  ok: number;
  cpuMicros: number;
}

const mtlsOrigin = required('BENCH_MTLS_ORIGIN');
const token = required('BENCH_TOKEN');
const bank = required('BENCH_BANK');
const pki = await loadTestPki();
const key = createPrivateKey(pki['tpp-qsealc-key.pem']);
const pool = new Pool(mtlsOrigin, {
  connect: { ca: pki['ca.pem'], cert: pki['tpp-qwac.pem'], key: pki['tpp-qwac-key.pem'] },
});

/** One signed read, as a bare client sends it. */
async function read(): Promise<boolean> {
  const { path, headers } = await signDirect(bank, mtlsOrigin, token, key);
  const response = await pool.request({ method: 'GET', path, headers });
  await response.body.text();
  return response.statusCode === 200;
}

const server = createServer((req, res) => {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const rate = Number(query.get('rate'));
  const durationMs = Number(query.get('ms'));
  const before = process.cpuUsage();
  sendAtRate(read, { rate, durationMs }).then(
    (result) => {
      const used = process.cpuUsage(before);
      const run: FloorRun = { ...result, cpuMicros: used.user + used.system };
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(run));
    },
    (error: unknown) => res.writeHead(500).end(String(error)),
  );
});
await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
stopOnSignal(async () => {
  server.close();
  await pool.close();
});
const info: FloorChildInfo = {
  url: `http://localhost:${(server.address() as AddressInfo).port}`,
};
announceReady(info);

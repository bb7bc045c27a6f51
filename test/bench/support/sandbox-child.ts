/**
 * The sandbox banks in their own process, for the benchmarks. Environment:
 * `BENCH_REDIRECT_URIS` (comma-separated, registered for the TPP) and `BENCH_CONNECT` (a bank id:
 * also runs one consent and code exchange there and announces the access token, for direct calls).
 */
import { startTestSandbox } from '../../support/sandbox.js';
import { announceReady, stopOnSignal } from './processes.js';

export interface SandboxChildInfo {
  browserOrigin: string;
  mtlsOrigin: string;
  accessToken?: string;
}

const redirectUris = (process.env.BENCH_REDIRECT_URIS ?? '').split(',').filter(Boolean);
const sandbox = await startTestSandbox(redirectUris.length > 0 ? { redirectUris } : {});
stopOnSignal(() => sandbox.stop());
const bankId = process.env.BENCH_CONNECT;
const tokens = bankId ? await sandbox.connect(bankId) : undefined;
const info: SandboxChildInfo = {
  browserOrigin: sandbox.browserOrigin,
  mtlsOrigin: sandbox.mtlsOrigin,
  ...(tokens ? { accessToken: tokens.access_token } : {}),
};
announceReady(info);

/**
 * What a DPoP proof costs the page, in headless Chromium, with the widget's own signer
 * (`widget/dpop/`, built as the drop-in builds it):
 * - the first proof of a new browser profile: IndexedDB opened and its store created, the key
 *   pair made and stored, its public JWK exported, the proof signed;
 * - the first proof of a page whose origin has a key (a reload, a new tab): IndexedDB opened and
 *   the pair read back;
 * - each next proof of the page: the key in memory, one signature (and the export of its JWK).
 * Each run is a fresh browser context; the page measures itself with `performance.now()`.
 *
 *   npx tsx test/bench/dpop-browser.ts          the figures as JSON
 */
import { realpathSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { chunksOf, ROOT } from '../support/widget-build.js';
import { launchChromium } from './support/browser.js';
import { startBenchServer } from './support/bench-pages.js';
import { summarise, type Figure } from './support/stats.js';

export interface DpopProofResult {
  runs: number;
  /** Proofs signed after the first, per page; their mean is one sample. */
  proofsPerRun: number;
  chromium: string;
  firstProofNewKeyMs: Figure;
  firstProofStoredKeyMs: Figure;
  perProofMs: Figure;
}

const PROOFS = 50;

/** The signer alone, minified as the drop-in's chunks are. */
async function buildSigner(): Promise<string> {
  const output = await build({
    root: ROOT,
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      target: 'es2022',
      minify: true,
      lib: { entry: 'widget/dpop/dpop-proof.ts', formats: ['es'], fileName: () => 'signer.js' },
    },
  });
  const [signer] = chunksOf(output);
  if (!signer) throw new Error('the signer was not built');
  return signer.code;
}

/** Signs one proof, then `PROOFS` more, and says how long they took; `bench:done` when done. */
const PAGE_SCRIPT = `
import { createDpopProof } from '/signer.js';
const claims = (n) => ({ htm: 'GET', htu: location.origin + '/v1/accounts', handle: 'h'.repeat(43), nonce: 'n' + n });
let start = performance.now();
await createDpopProof(claims(0));
const first = performance.now() - start;
// One clock around them all: performance.now() is coarsened to 0.1 ms, about one proof.
start = performance.now();
for (let n = 1; n <= ${PROOFS}; n++) await createDpopProof(claims(n));
window.benchResult = { first, perProof: (performance.now() - start) / ${PROOFS} };
console.debug('bench:done');
`;

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>dpop</title>
<script type="module" src="/dpop-bench.js"></script></head><body></body></html>`;

async function measureTab(
  context: Awaited<ReturnType<Browser['newContext']>>,
  url: string,
): Promise<{ first: number; perProof: number }> {
  const tab = await context.newPage();
  try {
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    const done = tab.waitForEvent('console', {
      predicate: (message) => message.text() === 'bench:done',
      timeout: 15_000,
    });
    await tab.goto(url);
    await done.catch((error: unknown) => {
      throw new Error(`the dpop page failed: ${errors.join('; ')}`, { cause: error });
    });
    return await tab.evaluate(
      () => (window as unknown as { benchResult: { first: number; perProof: number } }).benchResult,
    );
  } finally {
    await tab.close();
  }
}

export async function measureDpopProofs(options: { runs?: number } = {}): Promise<DpopProofResult> {
  const runs = options.runs ?? 7;
  const server = await startBenchServer({
    // No drop-in: the page loads the signer alone.
    dropIn: await createEmptyFolder(),
    banks: 0,
    files: { '/dpop.html': PAGE, '/dpop-bench.js': PAGE_SCRIPT, '/signer.js': await buildSigner() },
  });
  const browser = await launchChromium();
  try {
    const newKey: number[] = [];
    const storedKey: number[] = [];
    const perProof: number[] = [];
    // One unrecorded run warms Chromium's code cache and the HTTP server.
    for (let run = 0; run <= runs; run++) {
      const context = await browser.newContext();
      try {
        const fresh = await measureTab(context, `${server.origin}/dpop.html`);
        const reloaded = await measureTab(context, `${server.origin}/dpop.html`);
        if (run === 0) continue;
        newKey.push(fresh.first);
        storedKey.push(reloaded.first);
        perProof.push(fresh.perProof, reloaded.perProof);
      } finally {
        await context.close();
      }
    }
    return {
      runs,
      proofsPerRun: PROOFS,
      chromium: browser.version(),
      firstProofNewKeyMs: summarise(newKey),
      firstProofStoredKeyMs: summarise(storedKey),
      perProofMs: summarise(perProof),
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** An empty folder for the bench server's drop-in: this bench serves only its own files. */
async function createEmptyFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'bench-dpop-'));
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  return folder;
}

// Run as a command only when executed directly; the bench runner imports the function.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  process.stdout.write(`${JSON.stringify(await measureDpopProofs(), null, 2)}\n`);
}

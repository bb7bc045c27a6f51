/**
 * Bundle sizes of the widget against its budgets, built in memory with the repository's
 * vite.config.ts:
 * - the drop-in (`dist/bank-connect.js`): one file, Lit and oauth4webapi included;
 * - the ES entry: what `import 'bank-connect'` loads before the customer picks a bank, built as
 *   an app's bundler sees `dist/es/` (Lit external, oauth4webapi bundled): `index.js` and the
 *   chunks it imports statically;
 * - the ES flow chunk: what the element imports when a bank is chosen (the authorization flow
 *   and oauth4webapi), and the ES total;
 * - Lit alone, bundled like the drop-in, for reference.
 *
 *   npx tsx test/bench/widget-size.ts          a table
 *   npx tsx test/bench/widget-size.ts --json   JSON on stdout
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type InlineConfig, type Plugin, type Rolldown, type UserConfig } from 'vite';
import configureWidgetBuild from '../../vite.config.js';
import { buildWidget, chunksOf, ROOT, staticClosure } from '../support/widget-build.js';

const KB = 1024;

/** Gzip budgets from the issue. */
export const BUDGETS = { dropIn: 16 * KB, esEntry: 9 * KB };

export interface Sizes {
  minified: number;
  gzip: number;
  brotli: number;
}

function measure(code: string): Sizes {
  const bytes = Buffer.from(code);
  return {
    minified: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
    }).length,
  };
}

/** A build's chunks joined: one figure for the bundle. */
async function bundle(mode: string, overrides: InlineConfig = {}): Promise<string> {
  return (await buildWidget(mode, overrides)).map((chunk) => chunk.code).join('\n');
}

/**
 * The ES build as an app's bundler would take it in: the repository's ES configuration with
 * oauth4webapi bundled rather than external (an app bundles it too; only Lit is a peer).
 */
async function bundleEsForApps(): Promise<Rolldown.OutputChunk[]> {
  const config = (configureWidgetBuild as (env: object) => UserConfig)({
    mode: 'es',
    command: 'build',
  });
  const options = config.build?.rolldownOptions;
  const output = await build({
    ...config,
    root: ROOT,
    configFile: false,
    mode: 'es',
    logLevel: 'silent',
    build: {
      ...config.build,
      write: false,
      rolldownOptions: { ...options, external: [/^lit($|\/)/, /^@lit\//] },
    },
  });
  return chunksOf(output);
}

function measureChunks(chunks: Rolldown.OutputChunk[], names: Set<string>): Sizes {
  return measure(
    chunks
      .filter((chunk) => names.has(chunk.fileName))
      .map((chunk) => chunk.code)
      .join('\n'),
  );
}

/** Lit's public API as one entry, so that its size is measured like the widget's. */
const litOnly: Plugin = {
  name: 'lit-only-entry',
  resolveId: (id) => (id.endsWith('virtual:lit-only') ? '\0lit-only' : undefined),
  load: (id) =>
    id === '\0lit-only' ? "export * from 'lit'; export * from 'lit/decorators.js';" : undefined,
};

export interface WidgetSizeReport {
  dropIn: Sizes & { budgetGzip: number; withinBudget: boolean };
  esEntry: Sizes & { budgetGzip: number; withinBudget: boolean; chunks: string[] };
  esFlowChunk: Sizes & { chunks: string[] };
  esTotal: Sizes;
  litAlone: Sizes;
}

/** Builds the drop-in, the ES build and Lit alone in memory and measures each. */
export async function measureWidgetSize(): Promise<WidgetSizeReport> {
  const dropIn = measure(await bundle('production'));
  const es = await bundleEsForApps();
  const entryChunks = staticClosure(es, 'index.js');
  // define.js is the other entry (a one-line side effect); every other chunk loads on demand.
  const lazyChunks = new Set(
    es
      .map((chunk) => chunk.fileName)
      .filter((name) => !entryChunks.has(name) && name !== 'define.js'),
  );
  const esEntry = measureChunks(es, entryChunks);
  const lit = measure(
    await bundle('production', {
      plugins: [litOnly],
      build: {
        lib: { entry: 'virtual:lit-only', formats: ['es'], fileName: () => 'lit.js' },
      },
    }),
  );
  return {
    dropIn: { ...dropIn, budgetGzip: BUDGETS.dropIn, withinBudget: dropIn.gzip <= BUDGETS.dropIn },
    esEntry: {
      ...esEntry,
      budgetGzip: BUDGETS.esEntry,
      withinBudget: esEntry.gzip <= BUDGETS.esEntry,
      chunks: [...entryChunks],
    },
    esFlowChunk: { ...measureChunks(es, lazyChunks), chunks: [...lazyChunks] },
    esTotal: measureChunks(es, new Set([...entryChunks, ...lazyChunks])),
    litAlone: lit,
  };
}

async function main(): Promise<void> {
  const report = await measureWidgetSize();
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const bundles: Record<string, Sizes & { budgetGzip?: number; withinBudget?: boolean }> = {
      ...report,
    };
    const rows = Object.entries(bundles).map(([name, sizes]) => ({
      bundle: name,
      minified: sizes.minified,
      gzip: sizes.gzip,
      brotli: sizes.brotli,
      budgetGzip: sizes.budgetGzip ?? '',
      ok: sizes.withinBudget ?? '',
    }));
    console.table(rows);
  }
  if (!report.dropIn.withinBudget || !report.esEntry.withinBudget) process.exitCode = 1;
}

// Run as a command only when executed directly; the bench runner imports the function.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  await main();
}

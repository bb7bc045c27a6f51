/**
 * Bundle sizes of the widget against its budgets: the drop-in (`dist/bank-connect.js`, Lit
 * included) and the ES entry (`dist/es/`, Lit and oauth4webapi external), plus Lit alone bundled
 * the same way, for reference. Builds in memory with the repository's vite.config.ts.
 *
 *   npx tsx test/bench/widget-size.ts          a table
 *   npx tsx test/bench/widget-size.ts --json   JSON on stdout
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type InlineConfig, type Plugin, type Rolldown } from 'vite';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
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

function chunksOf(output: unknown): Rolldown.OutputChunk[] {
  const results = (Array.isArray(output) ? output : [output]) as Rolldown.RolldownOutput[];
  return results
    .flatMap((result) => result.output)
    .filter((item): item is Rolldown.OutputChunk => item.type === 'chunk');
}

async function bundle(mode: string, overrides: InlineConfig = {}): Promise<string> {
  const output = await build({
    root: ROOT,
    configFile: `${ROOT}vite.config.ts`,
    mode,
    logLevel: 'silent',
    ...overrides,
    build: { write: false, ...overrides.build },
  });
  return chunksOf(output)
    .map((chunk) => chunk.code)
    .join('\n');
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
  esEntry: Sizes & { budgetGzip: number; withinBudget: boolean };
  litAlone: Sizes;
}

/** Builds the drop-in, the ES entry and Lit alone in memory and measures each. */
export async function measureWidgetSize(): Promise<WidgetSizeReport> {
  const dropIn = measure(await bundle('production'));
  const esEntry = measure(await bundle('es'));
  const lit = measure(
    await bundle('production', {
      plugins: [litOnly],
      build: {
        lib: { entry: 'virtual:lit-only', formats: ['es'], fileName: () => 'lit.js' },
      },
    }),
  );
  const report = {
    dropIn: { ...dropIn, budgetGzip: BUDGETS.dropIn, withinBudget: dropIn.gzip <= BUDGETS.dropIn },
    esEntry: {
      ...esEntry,
      budgetGzip: BUDGETS.esEntry,
      withinBudget: esEntry.gzip <= BUDGETS.esEntry,
    },
    litAlone: lit,
  };
  return report;
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

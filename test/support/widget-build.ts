/**
 * Builds the widget in memory with the repository's vite.config.ts, for the build tests and the
 * size bench: nothing is written to dist/.
 */
import { fileURLToPath } from 'node:url';
import { build, type InlineConfig, type Rolldown } from 'vite';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The JavaScript chunks of a vite build's output. */
export function chunksOf(output: unknown): Rolldown.OutputChunk[] {
  return itemsOf(output).filter((item): item is Rolldown.OutputChunk => item.type === 'chunk');
}

function itemsOf(output: unknown): (Rolldown.OutputChunk | Rolldown.OutputAsset)[] {
  const results = (Array.isArray(output) ? output : [output]) as Rolldown.RolldownOutput[];
  return results.flatMap((result) => result.output);
}

/**
 * One of the config's modes (`production`: the drop-in; `es`: the ES build), in memory: its
 * chunks, or every file with `{ assets: true }` (the drop-in's widget.json and pinned entry).
 */
export async function buildWidget(
  mode: string,
  overrides?: InlineConfig,
): Promise<Rolldown.OutputChunk[]>;
export async function buildWidget(
  mode: string,
  overrides: InlineConfig,
  options: { assets: true },
): Promise<(Rolldown.OutputChunk | Rolldown.OutputAsset)[]>;
export async function buildWidget(
  mode: string,
  overrides: InlineConfig = {},
  options: { assets?: boolean } = {},
): Promise<(Rolldown.OutputChunk | Rolldown.OutputAsset)[]> {
  const output = await build({
    root: ROOT,
    configFile: `${ROOT}vite.config.ts`,
    mode,
    logLevel: 'silent',
    ...overrides,
    build: { write: false, ...overrides.build },
  });
  return options.assets ? itemsOf(output) : chunksOf(output);
}

/** A chunk and every chunk it reaches by static imports: what loading it costs at once. */
export function staticClosure(chunks: Rolldown.OutputChunk[], fileName: string): Set<string> {
  const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
  const reached = new Set<string>();
  const visit = (name: string) => {
    const chunk = byName.get(name);
    if (!chunk || reached.has(name)) return;
    reached.add(name);
    for (const imported of chunk.imports) visit(imported);
  };
  visit(fileName);
  return reached;
}

/** Builds the drop-in as `npm run build` does, into `outDir` (a temporary folder in tests). */
export async function writeDropIn(outDir: string): Promise<void> {
  await build({
    root: ROOT,
    configFile: `${ROOT}vite.config.ts`,
    mode: 'production',
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true },
  });
}

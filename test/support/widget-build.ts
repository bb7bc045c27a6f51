/**
 * Builds the widget in memory with the repository's vite.config.ts, for the build tests and the
 * size bench: nothing is written to dist/.
 */
import { fileURLToPath } from 'node:url';
import { build, type InlineConfig, type Rolldown } from 'vite';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The JavaScript chunks of a vite build's output. */
export function chunksOf(output: unknown): Rolldown.OutputChunk[] {
  const results = (Array.isArray(output) ? output : [output]) as Rolldown.RolldownOutput[];
  return results
    .flatMap((result) => result.output)
    .filter((item): item is Rolldown.OutputChunk => item.type === 'chunk');
}

/** One of the config's modes (`production`: the drop-in; `es`: the ES build), in memory. */
export async function buildWidget(
  mode: string,
  overrides: InlineConfig = {},
): Promise<Rolldown.OutputChunk[]> {
  const output = await build({
    root: ROOT,
    configFile: `${ROOT}vite.config.ts`,
    mode,
    logLevel: 'silent',
    ...overrides,
    build: { write: false, ...overrides.build },
  });
  return chunksOf(output);
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

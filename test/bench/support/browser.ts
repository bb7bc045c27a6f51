/** Headless Chromium for the browser benchmarks, launched like web-test-runner.config.js does. */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, findBrowser } from '../../support/find-browser.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findBrowser(),
    args: [...CHROMIUM_ARGS],
  });
}

let built: Promise<string> | undefined;

/**
 * Builds the drop-in from the working tree once per bench run, into a temporary folder: a
 * `dist/` left by an earlier build could be stale, and the bench must measure the code as it is.
 */
export function buildDropIn(): Promise<string> {
  built ??= (async () => {
    const outDir = await mkdtemp(path.join(tmpdir(), 'bench-drop-in-'));
    process.once('exit', () => rmSync(outDir, { recursive: true, force: true }));
    await promisify(execFile)('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir'], {
      cwd: ROOT,
    });
    return outDir;
  })();
  return built;
}

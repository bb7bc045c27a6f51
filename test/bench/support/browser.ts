/** Headless Chromium for the browser benchmarks, launched like web-test-runner.config.js does. */
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, findBrowser } from '../../support/find-browser.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export const DROP_IN = fileURLToPath(new URL('../../../dist/bank-connect.js', import.meta.url));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findBrowser(),
    args: [...CHROMIUM_ARGS],
  });
}

/** Builds the widget (`npm run build`) when the drop-in is missing. */
export async function ensureDropIn(): Promise<string> {
  try {
    await access(DROP_IN);
  } catch {
    await promisify(execFile)('npm', ['run', 'build'], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    });
  }
  return DROP_IN;
}

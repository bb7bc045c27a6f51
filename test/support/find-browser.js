// @ts-check
import { accessSync, constants } from 'node:fs';
import process from 'node:process';

/** Where Chrome or Chromium usually lives, most likely first. */
const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

/**
 * Flags for headless Chromium here: no sandbox (root in a container), no GPU, and none of the
 * background connections a closed network refuses.
 */
export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/** @param {string} path */
function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds a Chrome or Chromium executable for browser tests: `CHROME_PATH` when it is set and
 * executable, else the usual install locations. Browser downloads are not an option here.
 *
 * @returns {string} the executable's path
 * @throws {Error} when none is found, saying how to install one
 */
export function findBrowser() {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv && isExecutable(fromEnv)) return fromEnv;
  const found = CANDIDATES.find(isExecutable);
  if (found) return found;
  throw new Error(
    'no chrome or chromium found: install one (apt-get install chromium on Debian/Ubuntu) ' +
      'or set CHROME_PATH to its executable' +
      (fromEnv ? ` (CHROME_PATH=${fromEnv} is not executable)` : ''),
  );
}

/**
 * Builds the Fourmi demo into `dist/demo`:
 * 1. the widget's drop-in (`widget/dist/drop-in/`), if it is missing or older than `widget/`;
 * 2. the two demo pages with Vite (`demo/vite.config.ts`);
 * 3. a copy of the drop-in in `dist/demo/` (`bank-connect.js` and its versioned chunks), where the
 *    script-tag page loads it: Fourmi self-hosts the widget, as a partner may;
 * 4. the service worker `dist/demo/sw.js` with workbox-build.
 *
 * `npm run build:demo` runs it; `demo/start.ts` calls `buildDemo({ log })`.
 */
import { cp, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { generateSW } from 'workbox-build';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dropInDir = join(repo, 'widget', 'dist', 'drop-in');
const dropIn = join(dropInDir, 'bank-connect.js');
const outDir = join(repo, 'dist', 'demo');

/** Options of `buildDemo`. */
export interface BuildDemoOptions {
  /** Receives one line per step. */
  log?: (message: string) => void;
}

/** The newest modification time of any file under `directory`, in ms. */
async function newestChange(directory: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const { mtimeMs } = await stat(join(entry.parentPath, entry.name));
    newest = Math.max(newest, mtimeMs);
  }
  return newest;
}

async function isDropInStale(): Promise<boolean> {
  const built = await stat(dropIn).catch(() => undefined);
  if (!built) return true;
  return (await newestChange(join(repo, 'widget'))) > built.mtimeMs;
}

/**
 * Builds the demo; resolves to the output directory. Works offline: everything comes from the
 * installed packages.
 */
export async function buildDemo({ log = console.log }: BuildDemoOptions = {}): Promise<string> {
  if (await isDropInStale()) {
    log('building the widget drop-in (widget/dist/drop-in)…');
    // The root config's default mode is the drop-in build.
    await build({ root: repo, configFile: join(repo, 'vite.config.ts'), logLevel: 'warn' });
  } else {
    log('widget drop-in is up to date');
  }

  log('building the demo pages (dist/demo)…');
  await build({ configFile: join(repo, 'demo', 'vite.config.ts'), logLevel: 'warn' });

  await cp(dropInDir, outDir, { recursive: true });
  log('copied the drop-in to dist/demo/ (bank-connect.js and bank-connect/<version>/)');

  const { count, size, warnings } = await generateSW({
    globDirectory: outDir,
    globPatterns: ['**/*.{html,js,css,svg,png,webmanifest}'],
    swDest: join(outDir, 'sw.js'),
    // The service worker never precaches itself; workbox-build leaves it out already.
    globIgnores: ['sw.js', 'workbox-*.js'],
    // Hashed file names need no revision; the rest get a content hash from workbox-build.
    dontCacheBustURLsMatching: /^assets\/.+-[\w-]{8,}\./,
    // Two pages, no SPA routing: a navigation is answered from the precache when its URL is
    // there (`/` → index.html by `directoryIndex`), otherwise from the network.
    navigateFallback: undefined,
    cleanupOutdatedCaches: true,
    // The page shows an "update available" toast and activates the new worker on request.
    skipWaiting: false,
    clientsClaim: false,
    inlineWorkboxRuntime: true,
    sourcemap: false,
    mode: 'production',
    runtimeCaching: [
      {
        // Bank logos come from the sandbox's origin, known only at run time (/config.json), so
        // they cannot be precached at build time: cache them the first time they are shown.
        // <img> fetches them without CORS, so the responses are opaque (status 0).
        urlPattern: ({ url, sameOrigin }) => !sameOrigin && url.pathname.endsWith('/logo.svg'),
        handler: 'CacheFirst',
        options: {
          cacheName: 'fourmi-bank-logos',
          expiration: { maxEntries: 50, maxAgeSeconds: 30 * 24 * 60 * 60 },
          cacheableResponse: { statuses: [0, 200] },
        },
      },
    ],
  });
  for (const warning of warnings) log(`workbox: ${warning}`);
  log(`generated dist/demo/sw.js: ${count} files precached (${Math.round(size / 1024)} KiB)`);
  return outDir;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildDemo();
}

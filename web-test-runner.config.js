// @ts-check
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { build } from 'vite';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { stubBff } from './test/browser/support/stub-bff.ts';
import { CHROMIUM_ARGS, findBrowser } from './test/support/find-browser.js';

// The ES build as published (minified, internal names shortened), for test/browser/built-es.test.ts:
// the suites otherwise run on the source. Under node_modules/.cache, so no dist/ is touched.
await build({
  configFile: 'vite.config.ts',
  mode: 'es',
  logLevel: 'warn',
  build: { outDir: 'node_modules/.cache/bank-connect/es', emptyOutDir: true },
});

/** Browser tests of the widget, in the system's Chromium, against a stub BFF on the same server. */
export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  // The first page's start includes launching Chromium. On a fresh CI machine that once took over
  // a minute (the first two files failed at the default 30 s, the rest ran at the usual speed), so
  // the launch gets the same two minutes as a file's tests.
  browserStartTimeout: 120_000,
  testsFinishTimeout: 120_000,
  testFramework: { config: { timeout: 10_000 } },
  middleware: [stubBff],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' })],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: findBrowser(),
        args: [...CHROMIUM_ARGS],
      },
    }),
  ],
};

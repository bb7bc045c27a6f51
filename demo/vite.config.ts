import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const repo = fileURLToPath(new URL('..', import.meta.url));
const site = fileURLToPath(new URL('site/', import.meta.url));

/**
 * In `vite dev` only, stands in for the demo server: `/bank-connect.js` and its chunks from the
 * widget's drop-in build, and `/config.json` from `FOURMI_BFF_URL` / `FOURMI_SANDBOX_URL` (default ports of
 * `npm start`). Production serves both from `demo/server.ts`.
 */
function serveDemoRuntime(): Plugin {
  return {
    name: 'fourmi:dev-runtime',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        const path = request.url?.split('?')[0];
        if (path === '/config.json') {
          response.setHeader('Content-Type', 'application/json');
          response.setHeader('Cache-Control', 'no-store');
          response.end(
            JSON.stringify({
              bffUrl: process.env.FOURMI_BFF_URL ?? 'http://localhost:8080',
              sandboxUrl: process.env.FOURMI_SANDBOX_URL ?? 'http://localhost:9080',
            }),
          );
          return;
        }
        const dropIn = `${repo}widget/dist/drop-in${path ?? ''}`;
        if (/^\/bank-connect(\/[\w.-]+\/[\w.-]+)?\.js$/.test(path ?? '') && existsSync(dropIn)) {
          response.setHeader('Content-Type', 'text/javascript');
          response.end(readFileSync(dropIn));
          return;
        }
        next();
      });
    },
  };
}

/** The Fourmi demo: two pages (script-tag and React integrations) built into `dist/demo`. */
export default defineConfig({
  root: site,
  base: '/',
  publicDir: `${site}public`,
  plugins: [serveDemoRuntime()],
  // The widget's sources (React page) use legacy decorators, like the root vite.config.ts.
  oxc: {
    decorator: { legacy: true },
    typescript: { removeClassFieldsWithoutInitializer: true },
    jsx: { runtime: 'automatic', importSource: 'react' },
  },
  build: {
    target: 'es2022',
    outDir: `${repo}dist/demo`,
    emptyOutDir: true,
    reportCompressedSize: false,
    rolldownOptions: {
      input: { index: `${site}index.html`, react: `${site}react.html` },
    },
  },
});

/**
 * A tiny local HTTP server for the browser benchmarks: the built drop-in, bench pages whose
 * scripts are external modules (no inline script), a stub bank directory of generated banks, and
 * any extra routes a bench adds.
 */
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { AspspSummary } from '../../../backend-for-frontend/contract/index.js';

export type Route = (request: IncomingMessage, response: ServerResponse, origin: string) => void;

export interface BenchServer {
  origin: string;
  close(): Promise<void>;
}

const TOWNS = [
  'Lyon',
  'Lille',
  'Nantes',
  'Rennes',
  'Brest',
  'Dijon',
  'Nice',
  'Metz',
  'Tours',
  'Caen',
  'Reims',
  'Pau',
  'Nîmes',
  'Angers',
  'Amiens',
  'Limoges',
  'Annecy',
  'Besançon',
  'Orléans',
  'Évry',
];
const KINDS = ['Banque', 'Crédit', 'Caisse', 'Société', 'Compagnie'];

/** `count` fictional banks with accented, realistic names ("Caisse Régionale de Lyon 7"). */
export function generateBanks(count: number, origin: string): AspspSummary[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `bank-${index}`,
    name: `${KINDS[index % KINDS.length] ?? ''} Régionale de ${TOWNS[Math.floor(index / KINDS.length) % TOWNS.length] ?? ''} ${Math.floor(index / 100)}`,
    bic: `BANKFR${String(index).padStart(2, '0')}`.slice(0, 8),
    country: 'FR',
    logoUrl: `${origin}/logo.svg`,
    colour: '#1d4ed8',
    scopes: ['aisp'],
  }));
}

const LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect width="24" height="24" fill="#1d4ed8"/></svg>';

export function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
) {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

/**
 * Serves `pages` (path → HTML or JS text), the drop-in (`/bank-connect.js` and its chunks under
 * `/bank-connect/<version>/`) from its build folder, and `/v1/aspsps`.
 */
export async function startBenchServer(options: {
  /** The drop-in's build folder. */
  dropIn: string;
  banks: number;
  files: Record<string, string>;
  routes?: Record<string, Route>;
  /** A fixed port (when the origin must be known before the server starts); default any. */
  port?: number;
}): Promise<BenchServer> {
  const dropIn = new Map<string, Buffer>();
  for (const entry of await readdir(options.dropIn, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const file = path.join(entry.parentPath, entry.name);
    dropIn.set(
      `/${path.relative(options.dropIn, file).split(path.sep).join('/')}`,
      await readFile(file),
    );
  }
  let origin = '';
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    const route = options.routes?.[url.pathname];
    if (route) return route(request, response, origin);
    const script = dropIn.get(url.pathname);
    if (script) return send(response, 200, 'text/javascript', script);
    if (url.pathname === '/logo.svg') return send(response, 200, 'image/svg+xml', LOGO);
    if (url.pathname === '/v1/aspsps')
      return send(
        response,
        200,
        'application/json',
        JSON.stringify({ aspsps: generateBanks(options.banks, origin) }),
      );
    const file = options.files[url.pathname];
    if (file === undefined) return send(response, 404, 'text/plain', 'not found');
    const type = url.pathname.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8';
    return send(response, 200, type, file);
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, 'localhost', resolve));
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

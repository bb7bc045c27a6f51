/**
 * The BFF serves the widget it was released with, so that a partner's whole integration is
 * `<script type="module" src="https://bff.example/bank-connect.js"></script>` and the widget and
 * the BFF cannot drift apart:
 * - `GET /bank-connect.js`: the drop-in entry, cached briefly (it changes with each release), with
 *   an ETag;
 * - `GET /bank-connect/{version}/{file}`: its chunks and a copy of the entry to pin, immutable;
 * - `GET /v1/widget.json`: the version and every file's URL and SRI hash.
 *
 * The files are the drop-in build of `@bank-connect/widget` (its `dist/drop-in/`, or the folder
 * `BFF_WIDGET_DIR` names), read once at start-up. Without a build the BFF still starts, and these
 * routes answer 404 `widget_unavailable`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type { WidgetManifest } from '../contract/index.js';
import { OPERATIONS } from '../contract/operations.js';
import type { BffContext } from '../context.js';
import { BffError } from '../errors.js';
import { createServe } from './operation.js';

interface DropInManifest {
  version: string;
  entry: string;
  pinnedEntry: string;
  files: { path: string; integrity: string }[];
}

interface WidgetFile {
  body: Buffer;
  etag: string;
}

/** The drop-in's files in memory, by path under the BFF's root. */
export interface WidgetBuild {
  manifest: DropInManifest;
  files: ReadonlyMap<string, WidgetFile>;
}

/** The installed `@bank-connect/widget` package's drop-in folder, if the package is there. */
function findInstalledDropIn(): string | undefined {
  try {
    const packageJson = createRequire(import.meta.url).resolve('@bank-connect/widget/package.json');
    return path.join(path.dirname(packageJson), 'dist', 'drop-in');
  } catch {
    return undefined;
  }
}

/**
 * Reads a drop-in build: `widget.json` and every file it lists, each checked against its SRI
 * hash, so that the BFF never serves a file its manifest does not vouch for. `undefined` when the
 * folder holds no build.
 */
export function readWidgetBuild(folder = findInstalledDropIn()): WidgetBuild | undefined {
  if (!folder || !existsSync(path.join(folder, 'widget.json'))) return undefined;
  const manifest = JSON.parse(
    readFileSync(path.join(folder, 'widget.json'), 'utf8'),
  ) as DropInManifest;
  const files = new Map<string, WidgetFile>();
  for (const file of manifest.files) {
    const body = readFileSync(path.join(folder, file.path));
    const digest = createHash('sha384').update(body).digest('base64');
    if (file.integrity !== `sha384-${digest}`) {
      throw new Error(`widget build ${folder}: ${file.path} does not match widget.json`);
    }
    files.set(`/${file.path}`, { body, etag: `"${digest.slice(0, 27)}"` });
  }
  return { manifest, files };
}

/** The BFF's public base URL: where its redirect URI's `v1/callback` hangs from. */
function findPublicBase(redirectUri: string): URL {
  return new URL(redirectUri.replace(/v1\/callback$/, ''));
}

export function createWidgetRouter(context: BffContext, build: WidgetBuild | undefined): Router {
  const router = express.Router();
  const serve = createServe(router, context);
  const base = findPublicBase(context.config.redirectUri);

  const requireBuild = (): WidgetBuild => {
    if (!build) throw new BffError('widget_unavailable');
    return build;
  };

  /** A module script may come from any page: CORS without credentials, and CORP to match. */
  const sendModule = (req: Request, res: Response, file: WidgetFile, cacheControl: string) => {
    res.set({
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Cache-Control': cacheControl,
      ETag: file.etag,
    });
    const match = req.get('if-none-match');
    if (match?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === file.etag)) {
      return void res.status(304).end();
    }
    res.type('text/javascript; charset=utf-8').send(file.body);
  };

  serve(OPERATIONS.getWidgetEntry, (_input, req, res) => {
    const file = requireBuild().files.get('/bank-connect.js');
    if (!file) throw new BffError('widget_unavailable');
    sendModule(req, res, file, 'public, max-age=300');
  });

  serve(OPERATIONS.getWidgetFile, (_input, req, res) => {
    const file = requireBuild().files.get(req.path);
    if (!file || req.path === '/bank-connect.js') {
      throw new BffError('not_found', 'no such file in this widget release');
    }
    sendModule(req, res, file, 'public, max-age=31536000, immutable');
  });

  serve(OPERATIONS.getWidgetManifest, (_input, _req, res) => {
    const { manifest } = requireBuild();
    const url = (file: string) => new URL(file, base).href;
    const pinned = manifest.files.find((file) => file.path === manifest.pinnedEntry);
    if (!pinned) throw new BffError('widget_unavailable');
    const body: WidgetManifest = {
      version: manifest.version,
      entry: url(manifest.entry),
      pinnedEntry: { url: url(pinned.path), integrity: pinned.integrity },
      files: manifest.files.map((file) => ({ url: url(file.path), integrity: file.integrity })),
    };
    res
      .set({ 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'public, max-age=300' })
      .json(body);
  });

  return router;
}

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ApiError, WidgetManifest } from '../../backend-for-frontend/contract/index.js';
import { readWidgetBuild } from '../../backend-for-frontend/routes/widget.js';
import { startTestBff, type TestBff } from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';
import { writeDropIn } from '../support/widget-build.js';

function sri(body: ArrayBuffer | Buffer): string {
  return `sha384-${createHash('sha384')
    .update(Buffer.from(body as ArrayBuffer))
    .digest('base64')}`;
}

describe('the BFF serves the widget it was released with', () => {
  let sandbox: TestSandbox;
  let bff: TestBff;
  let dropIn: string;
  before(async () => {
    dropIn = await mkdtemp(path.join(tmpdir(), 'drop-in-'));
    await writeDropIn(dropIn);
    sandbox = await startTestSandbox();
    bff = await startTestBff(sandbox, { env: { BFF_WIDGET_DIR: dropIn } });
  });
  after(async () => {
    await bff.stop();
    await sandbox.stop();
    await rm(dropIn, { recursive: true, force: true });
  });

  it('answers /bank-connect.js as a cross-origin module with a short cache and an ETag', async () => {
    const response = await bff.call('GET', '/bank-connect.js', { origin: 'https://any.example' });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    assert.equal(response.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.equal(response.headers.get('cache-control'), 'public, max-age=300');
    const body = Buffer.from(await response.arrayBuffer());
    assert.deepEqual(body, await readFile(path.join(dropIn, 'bank-connect.js')));
    const etag = response.headers.get('etag') ?? '';
    assert.match(etag, /^"[\w+/]{27}"$/);
    const again = await bff.call('GET', '/bank-connect.js', { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
  });

  it('lists every file in /v1/widget.json with an absolute URL and the SRI hash of what it serves', async () => {
    const response = await bff.call('GET', '/v1/widget.json', { origin: null, csrf: false });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const manifest = (await response.json()) as WidgetManifest;
    assert.equal(manifest.version, '1.0.0');
    assert.equal(manifest.entry, `${bff.url}/bank-connect.js`);
    assert.equal(manifest.pinnedEntry.url, `${bff.url}/bank-connect/1.0.0/bank-connect.js`);
    for (const file of manifest.files) {
      assert.ok(file.url.startsWith(`${bff.url}/`), file.url);
      const served = await bff.call('GET', new URL(file.url).pathname);
      assert.equal(served.status, 200, file.url);
      assert.equal(sri(await served.arrayBuffer()), file.integrity, file.url);
      if (!file.url.endsWith('/bank-connect.js') || file.url.includes('/1.0.0/')) {
        assert.equal(served.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      }
    }
  });

  it('answers not_found for a file or a version it does not have', async () => {
    for (const route of ['/bank-connect/1.0.0/nope.js', '/bank-connect/0.9.0/bank-connect.js']) {
      const response = await bff.call('GET', route);
      assert.equal(response.status, 404, route);
      assert.equal(((await response.json()) as ApiError).error, 'not_found');
    }
  });

  it('refuses to serve a build whose files do not match their SRI hashes', async () => {
    const tampered = await mkdtemp(path.join(tmpdir(), 'drop-in-'));
    try {
      await writeDropIn(tampered);
      await writeFile(path.join(tampered, 'bank-connect.js'), 'alert(1)');
      assert.throws(
        () => readWidgetBuild(tampered),
        /bank-connect\.js does not match widget\.json/,
      );
    } finally {
      await rm(tampered, { recursive: true, force: true });
    }
  });

  it('starts without a widget build and answers widget_unavailable, not a crash', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'no-drop-in-'));
    const bare = await startTestBff(sandbox, { env: { BFF_WIDGET_DIR: empty } });
    try {
      for (const route of ['/bank-connect.js', '/v1/widget.json', '/bank-connect/1.0.0/x.js']) {
        const response = await bare.call('GET', route);
        assert.equal(response.status, 404, route);
        const error = (await response.json()) as ApiError;
        assert.equal(error.error, 'widget_unavailable');
        assert.match(error.message, /@bank-connect\/widget/);
      }
      assert.equal((await bare.call('GET', '/healthz')).status, 200);
      assert.match(bare.logs.join(''), /no widget build found/);
    } finally {
      await bare.stop();
      await rm(empty, { recursive: true, force: true });
    }
  });
});

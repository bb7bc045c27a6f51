import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERRORS, type ErrorCode } from '../../backend-for-frontend/contract/errors.js';
import { API_REFERENCE, renderApiReference } from './api-reference.js';

const readme = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

describe('the API reference and the BFF contract', () => {
  it('is the reference generated from the OpenAPI document (npm run docs:api)', async () => {
    assert.equal(readFileSync(API_REFERENCE, 'utf8'), await renderApiReference());
  });

  it('lists every error code once, with the status and retryable of the one table', () => {
    const rows = [...readme.matchAll(/^\| `([a-z_]+)` +\| (\d{3}) +\| (yes|no) +\|/gm)].map(
      ([, code, status, retryable]) => [code, Number(status), retryable === 'yes'],
    );
    assert.deepEqual(
      rows,
      (Object.entries(ERRORS) as [ErrorCode, (typeof ERRORS)[ErrorCode]][]).map(([code, entry]) => [
        code,
        entry.status,
        entry.retryable,
      ]),
    );
  });
});

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import {
  readOrganizationIdentifier,
  readPsd2Roles,
} from '../demo/sandbox/oauth/client-certificate.js';
import {
  ensureTestPki,
  inspectTestPki,
  ROGUE_ORGANIZATION_ID,
  TPP_ORGANIZATION_ID,
} from './pki/generate-certs.js';

describe('test PKI', () => {
  let dir: string;
  const read = async (file: string) => new X509Certificate(await readFile(path.join(dir, file)));

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pki-'));
    await rm(dir, { recursive: true });
    await ensureTestPki(dir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('puts the authorisation number in the QWAC subject, readable by Node', async () => {
    const qwac = await read('tpp-qwac.pem');
    assert.equal(readOrganizationIdentifier(qwac), TPP_ORGANIZATION_ID);
    assert.match(qwac.subject, /organizationIdentifier=PSDFR-ACPR-12345/);
  });

  it('chains every certificate to the test CA', async () => {
    const ca = await read('ca.pem');
    assert.equal(ca.ca, true);
    for (const file of [
      'server.pem',
      'tpp-qwac.pem',
      'tpp-qsealc.pem',
      'rogue-qwac.pem',
      'expired-qwac.pem',
    ]) {
      assert.equal((await read(file)).verify(ca.publicKey), true, file);
    }
  });

  it('makes the QWAC a client-authentication certificate with the PSD2 roles PSP_AI and PSP_IC', async () => {
    const qwac = await read('tpp-qwac.pem');
    assert.deepEqual(qwac.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    const extension = new x509.X509Certificate(qwac.raw).getExtension('1.3.6.1.5.5.7.1.3');
    assert.ok(extension, 'the QWAC has a QCStatements extension');
    assert.deepEqual(readPsd2Roles(new Uint8Array(extension.value)), ['PSP_AI', 'PSP_IC']);
  });

  it('serves TLS for localhost, 127.0.0.1 and ::1', async () => {
    const server = await read('server.pem');
    assert.equal(server.checkHost('localhost'), 'localhost');
    assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(server.checkIP('::1'), '::1');
  });

  it('gives the rogue QWAC another authorisation number and the expired one a past end', async () => {
    assert.equal(readOrganizationIdentifier(await read('rogue-qwac.pem')), ROGUE_ORGANIZATION_ID);
    const expired = await read('expired-qwac.pem');
    assert.ok(new Date(expired.validTo) < new Date());
    assert.equal(readOrganizationIdentifier(expired), TPP_ORGANIZATION_ID);
  });

  it('pairs each certificate with its private key', async () => {
    for (const name of ['server', 'tpp-qwac', 'tpp-qsealc', 'rogue-qwac', 'expired-qwac']) {
      const cert = await read(`${name}.pem`);
      const { createPrivateKey } = await import('node:crypto');
      const key = createPrivateKey(await readFile(path.join(dir, `${name}-key.pem`)));
      assert.equal(cert.checkPrivateKey(key), true, name);
    }
  });

  it('keeps an up-to-date PKI untouched on a second run', async () => {
    const before = (await stat(path.join(dir, 'tpp-qwac.pem'))).mtimeMs;
    assert.match(await ensureTestPki(dir), /up to date/);
    assert.equal((await stat(path.join(dir, 'tpp-qwac.pem'))).mtimeMs, before);
  });

  it('regenerates the whole set when a file is missing or foreign', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'pki-'));
    try {
      await ensureTestPki(other);
      await writeFile(path.join(dir, 'server.pem'), await readFile(path.join(other, 'server.pem')));
      assert.match((await inspectTestPki(dir)) ?? '', /server\.pem is not signed by ca\.pem/);
      assert.match(await ensureTestPki(dir), /generated a new test PKI/);
      assert.equal(await inspectTestPki(dir), undefined);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

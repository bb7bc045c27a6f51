/** Loads the test PKI (generating it first if needed) for tests that need certificates. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PKI_DIR, ensureTestPki, PKI_FILES } from '../pki/generate-certs.js';

export type PkiFile = (typeof PKI_FILES)[number];
export type TestPki = Record<PkiFile, string> & { dir: string };

let loaded: Promise<TestPki> | undefined;

/** The PEM contents of every PKI file, read once per test process. */
export function loadTestPki(): Promise<TestPki> {
  loaded ??= ensureTestPki(DEFAULT_PKI_DIR).then(() => {
    const pki = { dir: DEFAULT_PKI_DIR } as TestPki;
    for (const file of PKI_FILES)
      pki[file] = readFileSync(path.join(DEFAULT_PKI_DIR, file), 'utf8');
    return pki;
  });
  return loaded;
}

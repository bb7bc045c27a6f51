/**
 * The test PKI: one CA and the certificates that the sandbox banks, the BFF and the tests use.
 *
 * `npm run certs` (also run by `npm start` and `npm test`) writes them into the git-ignored
 * `.certs/`. It is idempotent: when every file is present, chains to the CA and is far enough
 * from expiry, nothing is rewritten, so certificates stay stable across runs. Otherwise the whole
 * set is generated into a temporary folder and swapped in, so a reader never sees half a PKI.
 */
import 'reflect-metadata';
import { X509Certificate as NodeX509Certificate, webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as x509 from '@peculiar/x509';
import { encodeQcStatements, QC_STATEMENTS_OID } from './qc-statements.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** The TPP's authorisation number, as ETSI TS 119 495 §5.2.1 puts it in the QWAC subject. */
export const TPP_ORGANIZATION_ID = 'PSDFR-ACPR-12345';
/** Another PSP's authorisation number, for the rogue certificate. */
export const ROGUE_ORGANIZATION_ID = 'PSDFR-ACPR-99999';

const ORGANIZATION_IDENTIFIER_OID = '2.5.4.97';
const DAY_MS = 86_400_000;
/** Regenerate when a certificate has fewer days than this left, so a run never straddles expiry. */
const RENEWAL_MARGIN_DAYS = 14;

/** Every file the PKI consists of, relative to its folder. */
export const PKI_FILES = [
  'ca.pem',
  'ca-key.pem',
  'server.pem',
  'server-key.pem',
  'tpp-qwac.pem',
  'tpp-qwac-key.pem',
  'tpp-qsealc.pem',
  'tpp-qsealc-key.pem',
  'rogue-qwac.pem',
  'rogue-qwac-key.pem',
  'expired-qwac.pem',
  'expired-qwac-key.pem',
  'tpp-qwac-renewed.pem',
  'tpp-qwac-renewed-key.pem',
  'tpp-qsealc-renewed.pem',
  'tpp-qsealc-renewed-key.pem',
  'rogue-qsealc.pem',
  'rogue-qsealc-key.pem',
  'expired-qsealc.pem',
  'expired-qsealc-key.pem',
  'foreign-qsealc.pem',
  'foreign-qsealc-key.pem',
] as const;

/** Certificates that must have expired: they test refusals of expired credentials. */
const EXPIRED_FILES = new Set(['expired-qwac.pem', 'expired-qsealc.pem']);
/** Certificates that must not chain to `ca.pem`: issued by a CA nobody trusts. */
const FOREIGN_FILES = new Set(['foreign-qsealc.pem']);

export const DEFAULT_PKI_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../.certs',
);

const rsa: RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
const ecdsa: EcKeyGenParams & EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

async function generateKeys(
  params: RsaHashedKeyGenParams | EcKeyGenParams,
): Promise<CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(params, true, ['sign', 'verify']);
}

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

interface Issued {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

interface LeafOptions {
  subject: x509.JsonName;
  keys: CryptoKeyPair;
  notBefore: Date;
  notAfter: Date;
  extensions: x509.Extension[];
}

async function issueLeaf(ca: Issued, options: LeafOptions): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    subject: options.subject,
    issuer: ca.cert.subject,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    publicKey: options.keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ecdsa,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      await x509.SubjectKeyIdentifierExtension.create(options.keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
      ...options.extensions,
    ],
  });
}

function tppSubject(organizationId: string, commonName: string): x509.JsonName {
  return [
    { C: ['FR'] },
    { O: ['Fintech Démo SAS'] },
    { [ORGANIZATION_IDENTIFIER_OID]: [organizationId] },
    { CN: [commonName] },
  ];
}

function qwacExtensions(): x509.Extension[] {
  return [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
    new x509.Extension(
      QC_STATEMENTS_OID,
      false,
      encodeQcStatements({
        kind: 'web',
        roles: ['PSP_AI', 'PSP_IC'],
        ncaName: 'Autorité de contrôle prudentiel et de résolution',
        ncaId: 'FR-ACPR',
      }),
    ),
  ];
}

function qsealcExtensions(): x509.Extension[] {
  return [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.nonRepudiation, true),
    new x509.Extension(
      QC_STATEMENTS_OID,
      false,
      encodeQcStatements({
        kind: 'eseal',
        roles: ['PSP_AI', 'PSP_IC'],
        ncaName: 'Autorité de contrôle prudentiel et de résolution',
        ncaId: 'FR-ACPR',
      }),
    ),
  ];
}

async function createCa(name: string, notBefore: Date, notAfter: Date): Promise<Issued> {
  const keys = await generateKeys(ecdsa);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ C: ['FR'] }, { O: ['bank-connect test PKI'] }, { CN: [name] }],
    keys,
    notBefore,
    notAfter,
    signingAlgorithm: ecdsa,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

/**
 * Generates the whole PKI and returns file name → PEM contents.
 *
 * Beside the working set, the TPP has a renewed QWAC and QSealC (same organizationIdentifier, new
 * key pairs, as after a yearly renewal), and bad credentials for refusal tests: a QSealC of another
 * organization, an expired one, and one with the TPP's identity from a CA nobody trusts.
 */
export async function generateTestPki(now = new Date()): Promise<Map<string, string>> {
  const inDays = (days: number) => new Date(now.getTime() + days * DAY_MS);
  const files = new Map<string, string>();

  const ca = await createCa('bank-connect test CA', inDays(-1), inDays(3 * 365));
  files.set('ca.pem', ca.cert.toString('pem'));
  files.set('ca-key.pem', await exportPrivateKey(ca.keys.privateKey));

  const add = async (
    name: string,
    keys: CryptoKeyPair,
    options: Omit<LeafOptions, 'keys'>,
    issuer: Issued = ca,
  ) => {
    const cert = await issueLeaf(issuer, { ...options, keys });
    files.set(`${name}.pem`, cert.toString('pem'));
    files.set(`${name}-key.pem`, await exportPrivateKey(keys.privateKey));
  };

  await add('server', await generateKeys(ecdsa), {
    subject: [{ CN: ['localhost'] }],
    notBefore: inDays(-1),
    notAfter: inDays(365),
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
    ],
  });

  await add('tpp-qwac', await generateKeys(rsa), {
    subject: tppSubject(TPP_ORGANIZATION_ID, 'tpp.bank-connect.test'),
    notBefore: inDays(-1),
    notAfter: inDays(365),
    extensions: qwacExtensions(),
  });

  await add('tpp-qsealc', await generateKeys(rsa), {
    subject: tppSubject(TPP_ORGANIZATION_ID, 'Fintech Démo SAS seal'),
    notBefore: inDays(-1),
    notAfter: inDays(365),
    extensions: qsealcExtensions(),
  });

  await add('rogue-qwac', await generateKeys(rsa), {
    subject: tppSubject(ROGUE_ORGANIZATION_ID, 'rogue.bank-connect.test'),
    notBefore: inDays(-1),
    notAfter: inDays(365),
    extensions: qwacExtensions(),
  });

  await add('expired-qwac', await generateKeys(rsa), {
    subject: tppSubject(TPP_ORGANIZATION_ID, 'expired.bank-connect.test'),
    notBefore: inDays(-400),
    notAfter: inDays(-35),
    extensions: qwacExtensions(),
  });

  await add('tpp-qwac-renewed', await generateKeys(rsa), {
    subject: tppSubject(TPP_ORGANIZATION_ID, 'tpp.bank-connect.test'),
    notBefore: inDays(-1),
    notAfter: inDays(2 * 365),
    extensions: qwacExtensions(),
  });

  await add('tpp-qsealc-renewed', await generateKeys(rsa), {
    subject: tppSubject(TPP_ORGANIZATION_ID, 'Fintech Démo SAS seal'),
    notBefore: inDays(-1),
    notAfter: inDays(2 * 365),
    extensions: qsealcExtensions(),
  });

  await add('rogue-qsealc', await generateKeys(rsa), {
    subject: tppSubject(ROGUE_ORGANIZATION_ID, 'Rogue PSP seal'),
    notBefore: inDays(-1),
    notAfter: inDays(365),
    extensions: qsealcExtensions(),
  });

  await add('expired-qsealc', await generateKeys(rsa), {
    subject: tppSubject(TPP_ORGANIZATION_ID, 'Fintech Démo SAS seal'),
    notBefore: inDays(-400),
    notAfter: inDays(-35),
    extensions: qsealcExtensions(),
  });

  // Its CA's key is thrown away: nothing but this certificate ever comes from it.
  const foreignCa = await createCa('untrusted CA', inDays(-1), inDays(3 * 365));
  await add(
    'foreign-qsealc',
    await generateKeys(rsa),
    {
      subject: tppSubject(TPP_ORGANIZATION_ID, 'Fintech Démo SAS seal'),
      notBefore: inDays(-1),
      notAfter: inDays(365),
      extensions: qsealcExtensions(),
    },
    foreignCa,
  );

  return files;
}

/** Why the PKI in `dir` cannot be reused, or `undefined` when it can. */
export async function inspectTestPki(dir: string, now = new Date()): Promise<string | undefined> {
  for (const file of PKI_FILES) {
    if (!existsSync(path.join(dir, file))) return `${file} is missing`;
  }
  const read = async (file: string) =>
    new NodeX509Certificate(await readFile(path.join(dir, file)));
  const ca = await read('ca.pem');
  const horizon = new Date(now.getTime() + RENEWAL_MARGIN_DAYS * DAY_MS);
  for (const file of PKI_FILES.filter((name) => !name.endsWith('-key.pem'))) {
    const cert = await read(file);
    const signedByCa = file === 'ca.pem' || cert.verify(ca.publicKey);
    if (FOREIGN_FILES.has(file) && signedByCa) return `${file} is signed by ca.pem`;
    if (!FOREIGN_FILES.has(file) && !signedByCa) return `${file} is not signed by ca.pem`;
    if (EXPIRED_FILES.has(file)) {
      if (new Date(cert.validTo) >= now) return `${file} is no longer expired`;
    } else if (new Date(cert.validTo) < horizon) {
      return `${file} expires on ${cert.validTo}`;
    }
  }
  return undefined;
}

/**
 * Makes sure a usable PKI is in `dir`, generating a new one when it is missing or stale.
 * Returns what was done, for the caller to print.
 */
export async function ensureTestPki(dir = DEFAULT_PKI_DIR): Promise<string> {
  const problem = await inspectTestPki(dir);
  if (problem === undefined) return `test PKI in ${dir} is up to date`;
  const files = await generateTestPki();
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true, mode: 0o700 });
  for (const [name, pem] of files) {
    await writeFile(path.join(staging, name), pem, {
      mode: name.endsWith('-key.pem') ? 0o600 : 0o644,
    });
  }
  await rm(dir, { recursive: true, force: true });
  await rename(staging, dir);
  return `generated a new test PKI in ${dir} (${problem})`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_PKI_DIR;
  ensureTestPki(dir).then(
    (message) => console.log(message),
    (error: unknown) => {
      console.error('could not generate the test PKI:', error);
      process.exitCode = 1;
    },
  );
}

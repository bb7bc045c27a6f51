import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import {
  QsealcDirectory,
  QsealcError,
  type FetchQsealc,
} from '../../demo/sandbox/stet/qsealc-directory.js';
import { TPP_ORGANIZATION_ID } from '../pki/generate-certs.js';
import { loadTestPki, type TestPki } from '../support/pki.js';

const URL_OF_TPP = 'https://tpp.example/qsealc.pem';

describe('the QSealC directory', () => {
  let pki: TestPki;
  let registered: X509Certificate;
  let renewed: X509Certificate;
  before(async () => {
    pki = await loadTestPki();
    registered = new X509Certificate(pki['tpp-qsealc.pem']);
    renewed = new X509Certificate(pki['tpp-qsealc-renewed.pem']);
  });

  /** A directory whose fetches are recorded and answered with `serve()`, on a manual clock. */
  const createDirectory = (serve: () => string | Uint8Array, refetchIntervalMs = 30_000) => {
    const fetched: string[] = [];
    let time = 0;
    const fetchQsealc: FetchQsealc = (url) => {
      fetched.push(url);
      return Promise.resolve(serve());
    };
    const directory = new QsealcDirectory({
      trustedCa: new X509Certificate(pki['ca.pem']),
      fetchQsealc,
      refetchIntervalMs,
      clock: () => time,
    });
    directory.register(URL_OF_TPP, TPP_ORGANIZATION_ID, registered);
    return { directory, fetched, advance: (ms: number) => void (time += ms) };
  };

  it('serves the registered certificate without fetching', async () => {
    const { directory, fetched } = createDirectory(() => pki['tpp-qsealc-renewed.pem']);
    assert.equal(await directory.current(URL_OF_TPP, Date.now()), registered);
    assert.deepEqual(fetched, []);
  });

  it('never fetches a URL nobody registered', async () => {
    const { directory, fetched } = createDirectory(() => pki['tpp-qsealc-renewed.pem']);
    await assert.rejects(directory.current('https://evil.example/x.pem', Date.now()), QsealcError);
    assert.deepEqual(await directory.renew('https://evil.example/x.pem', registered, Date.now()), {
      problem: 'signature keyId is not registered',
    });
    assert.deepEqual(fetched, []);
  });

  it('takes the first certificate of a PEM chain, or DER bytes', async () => {
    const chain = `${pki['tpp-qsealc-renewed.pem']}\n${pki['ca.pem']}`;
    const pem = createDirectory(() => chain, 0);
    const fromPem = await pem.directory.renew(URL_OF_TPP, registered, Date.now());
    assert.ok(
      'certificate' in fromPem && fromPem.certificate.fingerprint256 === renewed.fingerprint256,
    );
    const der = createDirectory(() => renewed.raw, 0);
    const fromDer = await der.directory.renew(URL_OF_TPP, registered, Date.now());
    assert.ok(
      'certificate' in fromDer && fromDer.certificate.fingerprint256 === renewed.fingerprint256,
    );
  });

  it('fetches at most once per interval, however many signatures fail', async () => {
    const { directory, fetched, advance } = createDirectory(() => pki['tpp-qsealc.pem']);
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await directory.renew(URL_OF_TPP, registered, Date.now()), {
        problem: undefined,
      });
    }
    assert.equal(fetched.length, 1);
    advance(30_000);
    await directory.renew(URL_OF_TPP, registered, Date.now());
    assert.equal(fetched.length, 2);
  });

  it('shares one fetch between requests that need it at the same time', async () => {
    const { directory, fetched } = createDirectory(() => pki['tpp-qsealc-renewed.pem']);
    const results = await Promise.all(
      [1, 2, 3].map(() => directory.renew(URL_OF_TPP, registered, Date.now())),
    );
    assert.equal(fetched.length, 1);
    for (const result of results) assert.ok('certificate' in result);
    assert.equal(
      (await directory.current(URL_OF_TPP, Date.now())).fingerprint256,
      renewed.fingerprint256,
    );
  });

  it('keeps the cached certificate when the fetched one is refused', async () => {
    const { directory } = createDirectory(() => pki['rogue-qsealc.pem'], 0);
    const result = await directory.renew(URL_OF_TPP, registered, Date.now());
    assert.deepEqual(result, {
      problem:
        'the QSealC at keyId was refused: it does not carry the organizationIdentifier of the TPP',
    });
    assert.equal(await directory.current(URL_OF_TPP, Date.now()), registered);
  });

  it('fetches when the cached certificate has expired at the given time', async () => {
    const { directory, fetched } = createDirectory(() => pki['tpp-qsealc-renewed.pem']);
    const afterRegisteredEnd = Date.parse(registered.validTo) + 1_000;
    const current = await directory.current(URL_OF_TPP, afterRegisteredEnd);
    assert.equal(current.fingerprint256, renewed.fingerprint256);
    assert.equal(fetched.length, 1);
  });

  it('refuses at registration a certificate that cannot sign for the TPP', () => {
    const { directory } = createDirectory(() => '');
    assert.throws(
      () => directory.register('https://x.example/q.pem', 'PSDFR-ACPR-99999', registered),
      /does not carry the organizationIdentifier/,
    );
    assert.throws(
      () =>
        directory.register(
          URL_OF_TPP,
          TPP_ORGANIZATION_ID,
          new X509Certificate(pki['expired-qsealc.pem']),
        ),
      /the QSealC registered for PSDFR-ACPR-12345 has expired/,
    );
  });
});

import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { readOrganizationIdentifier } from '../../demo/sandbox/oauth/client-certificate.js';
import { startSandbox } from '../../demo/sandbox/sandbox.js';
import { ROGUE_ORGANIZATION_ID, TPP_ORGANIZATION_ID } from '../pki/generate-certs.js';
import { createMtlsAgent } from '../support/mtls.js';
import { loadTestPki, type TestPki } from '../support/pki.js';
import {
  CLIENT_ID,
  QSEALC_URL,
  startTestSandbox,
  type TestSandbox,
  type Tokens,
} from '../support/sandbox.js';

type Json = Record<string, unknown>;

const body = async (response: { json(): Promise<unknown> }) => (await response.json()) as Json;

describe('the test PKI’s renewed and bad certificates', () => {
  let pki: TestPki;
  before(async () => {
    pki = await loadTestPki();
  });
  const read = (file: keyof TestPki) => new X509Certificate(pki[file]);

  it('renews the QWAC and the QSealC with the same organizationIdentifier and new keys', () => {
    const ca = read('ca.pem');
    for (const name of ['tpp-qwac', 'tpp-qsealc'] as const) {
      const old = read(`${name}.pem`);
      const renewed = read(`${name}-renewed.pem`);
      assert.equal(renewed.verify(ca.publicKey), true);
      assert.equal(readOrganizationIdentifier(renewed), TPP_ORGANIZATION_ID);
      assert.equal(renewed.subject, old.subject);
      assert.notDeepEqual(
        renewed.publicKey.export({ type: 'spki', format: 'der' }),
        old.publicKey.export({ type: 'spki', format: 'der' }),
      );
      assert.equal(renewed.checkPrivateKey(createPrivateKey(pki[`${name}-renewed-key.pem`])), true);
    }
  });

  it('has a QSealC of another organization, an expired one and one from an untrusted CA', () => {
    const ca = read('ca.pem');
    assert.equal(readOrganizationIdentifier(read('rogue-qsealc.pem')), ROGUE_ORGANIZATION_ID);
    assert.ok(new Date(read('expired-qsealc.pem').validTo) < new Date());
    const foreign = read('foreign-qsealc.pem');
    assert.equal(readOrganizationIdentifier(foreign), TPP_ORGANIZATION_ID);
    assert.equal(foreign.verify(ca.publicKey), false);
  });
});

describe('certificate renewal at the sandbox banks', () => {
  let sandbox: TestSandbox;
  let renewedQwac: ReturnType<typeof createMtlsAgent>;
  let renewedSeal: KeyObject;

  before(async () => {
    sandbox = await startTestSandbox({
      // Every refused signature may fetch again: each test publishes what it needs.
      qsealcRefetchIntervalMs: 0,
    });
    renewedQwac = createMtlsAgent(sandbox.pki, 'tpp-qwac-renewed');
    renewedSeal = createPrivateKey(sandbox.pki['tpp-qsealc-renewed-key.pem']);
  });
  after(async () => {
    await renewedQwac.close();
    await sandbox.stop();
  });

  const refresh = (bank: string, tokens: Tokens, agent = renewedQwac) =>
    sandbox.postToken(
      bank,
      {
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token ?? '',
        client_id: CLIENT_ID,
      },
      agent,
    );

  describe('QWAC (RFC 8705)', () => {
    it('refuses an access token presented with the renewed QWAC: 401 in the bank’s style', async () => {
      const azur = await sandbox.connect('azur');
      const bare = await sandbox.callApi('azur', '/accounts', {
        token: azur.access_token,
        agent: renewedQwac,
      });
      assert.equal(bare.status, 401);
      assert.equal(bare.headers.get('www-authenticate'), null);
      assert.equal((await body(bare)).message, 'access token bound to another certificate');
      const mistral = await sandbox.connect('mistral');
      const challenged = await sandbox.callApi('mistral', '/accounts', {
        token: mistral.access_token,
        agent: renewedQwac,
      });
      assert.equal(challenged.status, 401);
      assert.match(challenged.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    });

    it('answers a binding mismatch with a bare 403 where the profile says so (bocage)', async () => {
      const tokens = await sandbox.connect('bocage');
      const response = await sandbox.callApi('bocage', '/accounts', {
        token: tokens.access_token,
        agent: renewedQwac,
      });
      assert.equal(response.status, 403);
      assert.equal(response.headers.get('www-authenticate'), null);
      assert.equal((await body(response)).message, 'access token bound to another certificate');
    });

    it('refreshes over the renewed QWAC and binds the new tokens to it (RFC 8705 §3)', async () => {
      for (const bank of ['azur', 'bocage', 'mistral']) {
        const first = await sandbox.connect(bank);
        const response = await refresh(bank, first);
        assert.equal(response.status, 200, bank);
        const renewed = (await response.json()) as Tokens;
        const viaRenewed = await sandbox.callApi(bank, '/accounts', {
          token: renewed.access_token,
          agent: renewedQwac,
        });
        assert.equal(
          viaRenewed.status,
          200,
          `${bank}: the new access token works with the new QWAC`,
        );
        const viaOld = await sandbox.callApi(bank, '/accounts', { token: renewed.access_token });
        assert.equal((await body(viaOld)).message, 'access token bound to another certificate');
        if (renewed.refresh_token) {
          // A rotated refresh token keeps working over the new certificate.
          assert.equal((await refresh(bank, renewed)).status, 200, bank);
        }
      }
    });

    it('still refuses a refresh over the QWAC of another organization', async () => {
      const tokens = await sandbox.connect('azur');
      const rogue = createMtlsAgent(sandbox.pki, 'rogue-qwac');
      try {
        const asTpp = await refresh('azur', tokens, rogue);
        assert.equal(asTpp.status, 401);
        assert.equal((await body(asTpp)).error, 'invalid_client');
        const asItself = await sandbox.postToken(
          'azur',
          {
            grant_type: 'refresh_token',
            refresh_token: tokens.refresh_token ?? '',
            client_id: ROGUE_ORGANIZATION_ID,
          },
          rogue,
        );
        assert.equal(asItself.status, 401);
        assert.equal((await body(asItself)).error, 'invalid_client');
      } finally {
        await rogue.close();
      }
      // The refresh token survived the attempts: it is still the TPP's.
      assert.equal((await refresh('azur', tokens)).status, 200);
    });
  });

  describe('QSealC by keyId URL', () => {
    const tokens = new Map<string, Tokens>();
    before(async () => {
      for (const bank of ['azur', 'lumiere', 'mistral'])
        tokens.set(bank, await sandbox.connect(bank));
    });
    const token = (bank: string) => tokens.get(bank)?.access_token ?? '';
    const withPublished = async (pem: string | null, run: () => Promise<void>) => {
      sandbox.publishQsealc(pem);
      try {
        await run();
      } finally {
        sandbox.publishQsealc(sandbox.pki['tpp-qsealc.pem']);
      }
    };

    it('verifies with the registered QSealC without fetching its URL', async () => {
      const before = sandbox.qsealcFetches();
      assert.equal(
        (await sandbox.callApi('lumiere', '/accounts', { token: token('lumiere') })).status,
        200,
      );
      assert.equal(sandbox.qsealcFetches(), before);
    });

    it('fetches a renewed QSealC when a signature made with its key does not verify', async () => {
      await withPublished(sandbox.pki['tpp-qsealc-renewed.pem'], async () => {
        const before = sandbox.qsealcFetches();
        const first = await sandbox.callApi('mistral', '/accounts', {
          token: token('mistral'),
          sealKey: renewedSeal,
        });
        assert.equal(first.status, 200);
        assert.equal(sandbox.qsealcFetches(), before + 1, 'one fetch of the keyId URL');
        // Cached now, for every bank that looks the key up by URL.
        const again = await sandbox.callApi('lumiere', '/accounts', {
          token: token('lumiere'),
          sealKey: renewedSeal,
        });
        assert.equal(again.status, 200);
        assert.equal(sandbox.qsealcFetches(), before + 1);
        // The old key no longer verifies: the URL serves the renewed certificate only.
        const old = await sandbox.callApi('mistral', '/accounts', { token: token('mistral') });
        assert.equal(old.status, 401);
        assert.equal((await body(old)).message, 'signature does not verify');
      });
      // Back to the first certificate for the other tests: fetched again on the next failure.
      const restored = await sandbox.callApi('mistral', '/accounts', { token: token('mistral') });
      assert.equal(restored.status, 200);
    });

    it('keeps the registered QSealC at a bank whose keyId is the client_id', async () => {
      await withPublished(sandbox.pki['tpp-qsealc-renewed.pem'], async () => {
        const before = sandbox.qsealcFetches();
        const response = await sandbox.callApi('azur', '/accounts', {
          token: token('azur'),
          sealKey: renewedSeal,
        });
        assert.equal(response.status, 401);
        assert.equal((await body(response)).message, 'signature does not verify');
        assert.equal(sandbox.qsealcFetches(), before, 'BPCE-like banks fetch nothing');
      });
    });

    for (const [file, key, reason] of [
      ['rogue-qsealc.pem', 'rogue-qsealc-key.pem', 'does not carry the organizationIdentifier'],
      ['foreign-qsealc.pem', 'foreign-qsealc-key.pem', 'does not chain to a trusted CA'],
      ['expired-qsealc.pem', 'expired-qsealc-key.pem', 'has expired'],
    ] as const) {
      it(`refuses a published QSealC that ${reason}`, async () => {
        await withPublished(sandbox.pki[file], async () => {
          const response = await sandbox.callApi('mistral', '/accounts', {
            token: token('mistral'),
            sealKey: createPrivateKey(sandbox.pki[key]),
          });
          assert.equal(response.status, 401);
          const { message } = await body(response);
          assert.match(
            String(message),
            /^signature does not verify; the QSealC at keyId was refused/,
          );
          assert.match(String(message), new RegExp(reason));
        });
      });
    }

    it('says so when the keyId URL cannot be fetched', async () => {
      await withPublished(null, async () => {
        const response = await sandbox.callApi('lumiere', '/accounts', {
          token: token('lumiere'),
          sealKey: renewedSeal,
        });
        assert.equal(response.status, 401);
        assert.match(
          String((await body(response)).message),
          /could not be fetched \(HTTP status 404\)/,
        );
      });
    });

    it('fetches again once the cached QSealC has expired by the bank’s clock', async () => {
      // Past the registered QSealC's end (one year) but not the renewed one's (two years).
      await sandbox.admin('POST', '/banks/lumiere/clock', { advanceSeconds: 400 * 86_400 });
      try {
        await withPublished(null, async () => {
          const response = await sandbox.callApi('lumiere', '/accounts', {
            token: token('lumiere'),
          });
          assert.equal(response.status, 401);
          assert.match(
            String((await body(response)).message),
            /^the cached QSealC has expired and the one at keyId could not be fetched/,
          );
        });
        await withPublished(sandbox.pki['tpp-qsealc-renewed.pem'], async () => {
          const before = sandbox.qsealcFetches();
          const response = await sandbox.callApi('lumiere', '/accounts', {
            token: token('lumiere'),
            sealKey: renewedSeal,
          });
          // Past the signature check; the 180-day access token has expired by now.
          assert.equal((await body(response)).message, 'access token expired');
          assert.equal(sandbox.qsealcFetches(), before + 1);
        });
      } finally {
        await sandbox.admin('POST', '/reset');
      }
    });
  });
});

describe('sandbox start-up with a bad QSealC', () => {
  it('refuses to register a QSealC that is expired, untrusted or of another organization', async () => {
    const pki = await loadTestPki();
    for (const file of ['expired-qsealc.pem', 'foreign-qsealc.pem', 'rogue-qsealc.pem'] as const) {
      await assert.rejects(
        startSandbox({
          httpPort: 0,
          mtlsPort: 0,
          tls: { cert: pki['server.pem'], key: pki['server-key.pem'], ca: pki['ca.pem'] },
          clients: [
            {
              clientId: CLIENT_ID,
              name: 'Fintech Démo',
              redirectUris: ['https://tpp.bank-connect.test/v1/callback'],
              qsealcPem: pki[file],
              qsealcUrl: QSEALC_URL,
            },
          ],
        }),
        /the QSealC registered for PSDFR-ACPR-12345 /,
        file,
      );
    }
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, SETTINGS } from '../../backend-for-frontend/config.js';
import { createPartnerKey } from '../../backend-for-frontend/partner/keys.js';
import { loadRegistry } from '../../backend-for-frontend/registry.js';
import { loadTestPki, type TestPki } from '../support/pki.js';

describe('BFF configuration and start-up checks', () => {
  let pki: TestPki;
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    pki = await loadTestPki();
    dir = await mkdtemp(path.join(tmpdir(), 'bff-config-'));
    await writeFile(
      path.join(dir, 'registry.json'),
      JSON.stringify({
        aspsps: [
          {
            id: 'azur',
            name: 'Banque Azur',
            bic: 'AZURFRPPXXX',
            country: 'FR',
            logoUrl: 'http://localhost:9080/azur/logo.svg',
            issuer: 'https://localhost:9443/azur',
            authorizationEndpoint: 'http://localhost:9080/azur/authorize',
            tokenEndpoint: 'https://localhost:9443/azur/token',
            apiBaseUrl: 'https://localhost:9443/azur/v1',
            caFile: path.join(pki.dir, 'ca.pem'),
            scopes: ['aisp'],
            profile: {
              signature: {
                keyId: 'client-id',
                headers: ['(request-target)', 'date'],
                bodyHeaders: [],
                digestOnEveryRequest: true,
              },
              amountFormat: 'string',
              maxDateWindowDays: null,
              refreshToken: { lifetimeDays: 90, rotation: true },
              issParameterSupported: true,
              psuIpAddress: 'optional',
            },
          },
        ],
      }),
    );
    env = {
      BFF_CLIENT_ID: 'PSDFR-ACPR-12345',
      BFF_REDIRECT_URI: 'http://localhost:8080/v1/callback',
      BFF_QWAC_CERT: path.join(pki.dir, 'tpp-qwac.pem'),
      BFF_QWAC_KEY: path.join(pki.dir, 'tpp-qwac-key.pem'),
      BFF_QSEALC_CERT: path.join(pki.dir, 'tpp-qsealc.pem'),
      BFF_QSEALC_KEY: path.join(pki.dir, 'tpp-qsealc-key.pem'),
      BFF_QSEALC_URL: 'http://localhost:8080/v1/qsealc.pem',
      BFF_ALLOWED_ORIGINS: 'http://localhost:5173',
      BFF_REGISTRY: path.join(dir, 'registry.json'),
      BFF_SEALING_KEYS: 'Zm9yLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXktMDE',
    };
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const refusal = (overrides: Record<string, string | undefined>) => {
    try {
      loadConfig({ env: { ...env, ...overrides }, cwd: dir });
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return error.message;
    }
    assert.fail('the configuration was accepted');
  };

  it('accepts a complete configuration', () => {
    const config = loadConfig({ env, cwd: dir });
    assert.equal(config.clientId, 'PSDFR-ACPR-12345');
    assert.deepEqual(config.allowedOrigins, ['http://localhost:5173']);
    assert.equal(config.sessionStore, `sqlite:${path.join(dir, '.data/sessions.sqlite')}`);
  });

  it('refuses a QWAC whose organizationIdentifier is not the client_id, naming both', () => {
    const message = refusal({
      BFF_QWAC_CERT: path.join(pki.dir, 'rogue-qwac.pem'),
      BFF_QWAC_KEY: path.join(pki.dir, 'rogue-qwac-key.pem'),
    });
    assert.match(message, /PSDFR-ACPR-12345/);
    assert.match(message, /PSDFR-ACPR-99999/);
  });

  it('refuses an expired QWAC', () => {
    const message = refusal({
      BFF_QWAC_CERT: path.join(pki.dir, 'expired-qwac.pem'),
      BFF_QWAC_KEY: path.join(pki.dir, 'expired-qwac-key.pem'),
    });
    assert.match(message, /^BFF_QWAC_CERT: the QWAC expired on/);
  });

  it('refuses a QSealC of another organization, or expired', () => {
    const rogue = refusal({
      BFF_QSEALC_CERT: path.join(pki.dir, 'rogue-qsealc.pem'),
      BFF_QSEALC_KEY: path.join(pki.dir, 'rogue-qsealc-key.pem'),
    });
    assert.match(rogue, /QSealC organizationIdentifier PSDFR-ACPR-99999/);
    const expired = refusal({
      BFF_QSEALC_CERT: path.join(pki.dir, 'expired-qsealc.pem'),
      BFF_QSEALC_KEY: path.join(pki.dir, 'expired-qsealc-key.pem'),
    });
    assert.match(expired, /^BFF_QSEALC_CERT: the QSealC expired on/);
  });

  it('keeps when each certificate expires, and the QWAC thumbprint tokens are bound to', () => {
    const config = loadConfig({ env, cwd: dir });
    const qwac = new X509Certificate(readFileSync(path.join(pki.dir, 'tpp-qwac.pem')));
    assert.equal(config.qwac.notAfter.getTime(), new Date(qwac.validTo).getTime());
    assert.equal(config.qwac.thumbprint, createHash('sha256').update(qwac.raw).digest('base64url'));
    assert.ok(config.qsealc.notAfter.getTime() > Date.now());
    assert.equal(config.certificateWarningDays, 30);
  });

  it('takes the previous QWAC after a renewal only valid, complete and not the current one', () => {
    const renewed = {
      BFF_QWAC_CERT: path.join(pki.dir, 'tpp-qwac-renewed.pem'),
      BFF_QWAC_KEY: path.join(pki.dir, 'tpp-qwac-renewed-key.pem'),
    };
    const previous = {
      BFF_QWAC_PREVIOUS_CERT: path.join(pki.dir, 'tpp-qwac.pem'),
      BFF_QWAC_PREVIOUS_KEY: path.join(pki.dir, 'tpp-qwac-key.pem'),
    };
    assert.equal(loadConfig({ env, cwd: dir }).previousQwac, undefined);
    const config = loadConfig({ env: { ...env, ...renewed, ...previous }, cwd: dir });
    const old = new X509Certificate(readFileSync(previous.BFF_QWAC_PREVIOUS_CERT));
    assert.equal(
      config.previousQwac?.thumbprint,
      createHash('sha256').update(old.raw).digest('base64url'),
    );
    assert.notEqual(config.previousQwac?.thumbprint, config.qwac.thumbprint);
    assert.match(
      refusal({ ...renewed, BFF_QWAC_PREVIOUS_CERT: previous.BFF_QWAC_PREVIOUS_CERT }),
      /set both, or neither/,
    );
    assert.match(refusal(previous), /^BFF_QWAC_PREVIOUS_CERT: is the current QWAC/);
    assert.match(
      refusal({
        ...renewed,
        BFF_QWAC_PREVIOUS_CERT: path.join(pki.dir, 'expired-qwac.pem'),
        BFF_QWAC_PREVIOUS_KEY: path.join(pki.dir, 'expired-qwac-key.pem'),
      }),
      /^BFF_QWAC_PREVIOUS_CERT: the QWAC expired on/,
    );
    assert.match(
      refusal({ ...renewed, ...previous, BFF_QWAC_PREVIOUS_KEY: renewed.BFF_QWAC_KEY }),
      /^BFF_QWAC_PREVIOUS_KEY: the key does not match the QWAC/,
    );
  });

  it('refuses a QWAC whose key does not match it', () => {
    assert.match(
      refusal({ BFF_QWAC_KEY: path.join(pki.dir, 'tpp-qsealc-key.pem') }),
      /BFF_QWAC_KEY: the key does not match the QWAC/,
    );
  });

  it('reads BFF_TRUST_PROXY as a boolean, a hop count or addresses', () => {
    const read = (value: string) =>
      loadConfig({ env: { ...env, BFF_TRUST_PROXY: value }, cwd: dir }).trustProxy;
    assert.equal(read('true'), true);
    assert.equal(read('false'), false);
    assert.equal(read('1'), 1);
    assert.equal(read('loopback, 10.0.0.0/8'), 'loopback, 10.0.0.0/8');
  });

  it('names each missing or malformed variable', () => {
    assert.match(refusal({ BFF_CLIENT_ID: undefined }), /BFF_CLIENT_ID: is required/);
    assert.match(
      refusal({ BFF_ALLOWED_ORIGINS: 'https://partner.example/path' }),
      /BFF_ALLOWED_ORIGINS: must be an origin/,
    );
    assert.match(refusal({ BFF_ALLOWED_ORIGINS: '*' }), /BFF_ALLOWED_ORIGINS/);
    assert.match(refusal({ BFF_PORT: 'eighty' }), /BFF_PORT/);
    assert.match(refusal({ BFF_SEALING_KEYS: 'short' }), /BFF_SEALING_KEYS: each key is 32 bytes/);
    assert.match(refusal({ BFF_QWAC_CERT: '/nonexistent.pem' }), /BFF_QWAC_CERT: cannot read/);
    assert.match(refusal({ BFF_REGISTRY: '/nonexistent.json' }), /BFF_REGISTRY: .* does not exist/);
  });

  it('reads partner keys as named hashes, and refuses a key pasted in place of its hash', () => {
    const first = createPartnerKey('sync');
    const second = createPartnerKey('reporting');
    const read = (value: string) =>
      loadConfig({ env: { ...env, BFF_PARTNER_KEYS: value }, cwd: dir }).partnerKeys;
    assert.deepEqual(loadConfig({ env, cwd: dir }).partnerKeys, []);
    assert.deepEqual(
      read(`${first.entry}, ${second.entry}`).map((key) => key.name),
      ['sync', 'reporting'],
    );
    const pasted = refusal({ BFF_PARTNER_KEYS: `${first.entry},${second.key}` });
    assert.match(pasted, /BFF_PARTNER_KEYS: entry 2 is a key, not its hash/);
    assert.ok(!pasted.includes(second.key), 'the message does not repeat the key');
    assert.match(
      refusal({ BFF_PARTNER_KEYS: `${first.entry},${first.entry}` }),
      /BFF_PARTNER_KEYS: entry 2: the name sync is used twice/,
    );
    assert.match(refusal({ BFF_PARTNER_KEYS: 'sync:short' }), /BFF_PARTNER_KEYS: entry 1 must be/);
  });

  it('requires sealing keys in production, and warns when it generates a development key', () => {
    assert.match(
      refusal({ BFF_SEALING_KEYS: undefined, NODE_ENV: 'production' }),
      /BFF_SEALING_KEYS: is required in production/,
    );
    const warnings: string[] = [];
    const withoutKeys = Object.fromEntries(
      Object.entries(env).filter(([name]) => name !== 'BFF_SEALING_KEYS'),
    );
    const config = loadConfig({ env: withoutKeys, cwd: dir }, (message) => warnings.push(message));
    assert.equal(config.sealingKeys[0]?.length, 32);
    assert.match(warnings.join(), /development key/);
  });

  it('reads a JSON file, with environment variables winning, and refuses unknown settings', async () => {
    const file = path.join(dir, 'bff.json');
    await writeFile(
      file,
      JSON.stringify({ port: 9999, allowedOrigins: ['https://a.example', 'https://b.example'] }),
    );
    const config = loadConfig({
      env: { ...env, BFF_ALLOWED_ORIGINS: '', BFF_CONFIG_FILE: file, BFF_PORT: '8181' },
      cwd: dir,
    });
    assert.equal(config.port, 8181);
    assert.deepEqual(config.allowedOrigins, ['https://a.example', 'https://b.example']);
    await writeFile(file, JSON.stringify({ prot: 1 }));
    assert.match(refusal({ BFF_CONFIG_FILE: file }), /unknown setting "prot"/);
  });

  it('keeps metrics off unless BFF_METRICS turns them on, and refuses a port they cannot use', () => {
    const config = loadConfig({ env, cwd: dir });
    assert.equal(config.metrics, false);
    assert.equal(config.metricsPort, undefined);
    const on = loadConfig({
      env: { ...env, BFF_METRICS: 'true', BFF_METRICS_PORT: '9464' },
      cwd: dir,
    });
    assert.equal(on.metrics, true);
    assert.equal(on.metricsPort, 9464);
    assert.match(refusal({ BFF_METRICS_PORT: '9464' }), /^BFF_METRICS_PORT: metrics are off/);
    assert.match(
      refusal({ BFF_METRICS: 'true', BFF_PORT: '9464', BFF_METRICS_PORT: '9464' }),
      /^BFF_METRICS_PORT: 9464 is BFF_PORT already/,
    );
    assert.match(refusal({ BFF_METRICS: 'yes' }), /^BFF_METRICS: /);
  });

  it('documents every setting in docs/backend.md', () => {
    const readme = readFileSync(new URL('../../docs/backend.md', import.meta.url), 'utf8');
    for (const [key, [variable]] of Object.entries(SETTINGS)) {
      assert.match(
        readme,
        new RegExp(`\\| \`${variable}\`\\s+\\| \`${key}\``),
        `${variable} is documented`,
      );
    }
  });

  it('validates the bank registry and names the field', async () => {
    const file = path.join(dir, 'bad-registry.json');
    await writeFile(file, JSON.stringify({ aspsps: [{ id: 'Azur!' }] }));
    assert.throws(() => loadRegistry(file), /bad-registry\.json: .*id/s);
  });

  it('stops the server process with exit code 78 and the variable named', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'backend-for-frontend/server.ts'],
      {
        env: { PATH: process.env.PATH, ...env, BFF_CLIENT_ID: 'PSDFR-ACPR-00001' },
        encoding: 'utf8',
      },
    );
    assert.equal(result.status, 78);
    assert.match(
      result.stderr,
      /configuration error: BFF_CLIENT_ID: PSDFR-ACPR-00001 does not match the QWAC organizationIdentifier PSDFR-ACPR-12345/,
    );
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX_BANKS } from '../../demo/sandbox/banks.js';
import { checkStetSchema } from '../support/stet-schema.js';
import { apiPathOf, CLIENT_ID, startTestSandbox, type TestSandbox } from '../support/sandbox.js';

type Json = Record<string, unknown>;

const body = async (response: { json(): Promise<unknown> }) => (await response.json()) as Json;

/** Every PSU header of STET 1.4.0.47 with a valid value. */
const FULL_CONTEXT: Record<string, string> = {
  'PSU-IP-Address': '2001:db8::17',
  'PSU-IP-Port': '51234',
  'PSU-HTTP-Method': 'GET',
  'PSU-Date': 'Tue, 14 Jan 2025 09:12:45 GMT',
  'PSU-GEO-Location': 'GEO:48.856613;2.352222',
  'PSU-User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  'PSU-Referer': 'https://partner.example/accounts',
  'PSU-Accept': 'text/html',
  'PSU-Accept-Charset': 'utf-8',
  'PSU-Accept-Encoding': 'gzip, br',
  'PSU-Accept-Language': 'fr-FR,fr;q=0.9',
  'PSU-Device-ID': '5b3e5c34-9a0b-4f39-9d59-8c1c6f0a7e21',
};
/** Removes the PSU headers that `callApi` sends by default: an unattended call. */
const UNATTENDED = { 'PSU-IP-Address': '' };

describe('sandbox PSU context headers', () => {
  let sandbox: TestSandbox;
  const tokens = new Map<string, string>();
  before(async () => {
    sandbox = await startTestSandbox();
    for (const bank of SANDBOX_BANKS)
      tokens.set(bank.id, (await sandbox.connect(bank.id)).access_token);
  });
  after(() => sandbox.stop());
  const token = (bank: string) => tokens.get(bank) ?? '';
  const accounts = (bank: string, headers: Record<string, string>, bearer = token(bank)) =>
    sandbox.callApi(bank, '/accounts', { token: bearer, headers });

  it('publishes each bank’s PSU requirements beside psuIpAddress in GET /banks', async () => {
    const directory = (await (await fetch(`${sandbox.browserOrigin}/banks`)).json()) as {
      banks: { id: string; profile: Json }[];
    };
    const profiles = Object.fromEntries(directory.banks.map((bank) => [bank.id, bank.profile]));
    assert.deepEqual(
      Object.fromEntries(Object.entries(profiles).map(([id, p]) => [id, p.psuIpAddress])),
      { azur: 'batch-limited', bocage: 'optional', lumiere: 'required', mistral: 'optional' },
    );
    assert.deepEqual(profiles.lumiere?.psuContext, {
      requiredWhenPresent: [
        'PSU-IP-Address',
        'PSU-IP-Port',
        'PSU-User-Agent',
        'PSU-Accept-Language',
      ],
      enforced: true,
    });
    assert.deepEqual(profiles.mistral?.psuContext, {
      requiredWhenPresent: ['PSU-IP-Address', 'PSU-User-Agent'],
      enforced: true,
    });
    assert.deepEqual(profiles.azur?.psuContext, {
      requiredWhenPresent: ['PSU-IP-Address'],
      enforced: true,
    });
    assert.deepEqual(profiles.bocage?.psuContext, { requiredWhenPresent: [], enforced: true });
  });

  it('accepts a present call with every PSU header, all signed, at every bank', async () => {
    for (const bank of SANDBOX_BANKS) {
      assert.equal((await accounts(bank.id, FULL_CONTEXT)).status, 200, bank.id);
    }
  });

  it('refuses, naming it, a present call without a PSU header the bank requires', async () => {
    for (const [bank, header] of [
      ['lumiere', 'PSU-IP-Port'],
      ['lumiere', 'PSU-Accept-Language'],
      ['mistral', 'PSU-User-Agent'],
    ] as const) {
      const response = await accounts(bank, { [header]: '' });
      assert.equal(response.status, 400, `${bank} ${header}`);
      assert.match(String((await body(response)).message), new RegExp(header));
    }
    assert.equal((await accounts('azur', { 'PSU-User-Agent': '' })).status, 200);
  });

  for (const [name, value, message] of [
    ['PSU-IP-Address', '300.1.1.1', 'PSU-IP-Address is not an IP address'],
    ['PSU-IP-Port', '70000', 'PSU-IP-Port must be a port number, 1 to 65535'],
    ['PSU-IP-Port', '0443x', 'PSU-IP-Port must be a port number, 1 to 65535'],
    ['PSU-HTTP-Method', 'get', 'PSU-HTTP-Method must be an HTTP method'],
    ['PSU-Date', '14/01/2025 09:12', 'PSU-Date must be an HTTP date or an ISO 8601 date-time'],
    [
      'PSU-GEO-Location',
      'GEO:95.0;2.35',
      'PSU-GEO-Location must be GEO:<latitude>;<longitude> in degrees',
    ],
    [
      'PSU-GEO-Location',
      '48.85,2.35',
      'PSU-GEO-Location must be GEO:<latitude>;<longitude> in degrees',
    ],
    ['PSU-Device-ID', 'device-42', 'PSU-Device-ID must be a UUID'],
  ] as const) {
    it(`refuses ${name}: ${value} with 400 naming the header`, async () => {
      const response = await accounts('bocage', { ...FULL_CONTEXT, [name]: value });
      assert.equal(response.status, 400);
      const error = await body(response);
      assert.deepEqual(checkStetSchema('1.4.0.47', 'ErrorModel', error), []);
      assert.equal(error.message, message);
    });
  }

  it('accepts an ISO 8601 PSU-Date and a comma in PSU-GEO-Location', async () => {
    const response = await accounts('bocage', {
      ...FULL_CONTEXT,
      'PSU-Date': '2025-01-14T10:12:45+01:00',
      'PSU-GEO-Location': 'GEO:-33.8688,151.2093',
    });
    assert.equal(response.status, 200);
  });

  it('refuses a PSU header STET does not define, and PSU headers without PSU-IP-Address', async () => {
    const gps = await accounts('mistral', { 'PSU-GPS': '48.85,2.35' });
    assert.equal(gps.status, 400);
    assert.equal((await body(gps)).message, 'psu-gps is not a PSU header of STET');
    const noAddress = await accounts('bocage', { ...UNATTENDED, 'PSU-User-Agent': 'curl/8' });
    assert.equal(noAddress.status, 400);
    assert.equal(
      (await body(noAddress)).message,
      'PSU-IP-Address is required when other PSU-* headers are sent',
    );
  });

  it('refuses with 401 a PSU header the signature does not cover (STET §3.5)', async () => {
    const added = await sandbox.callApi('mistral', '/accounts', {
      token: token('mistral'),
      tamper: (headers) => {
        headers['PSU-Referer'] = 'https://added.after.signing/';
      },
    });
    assert.equal(added.status, 401);
    assert.equal(
      (await body(added)).message,
      'signature must cover psu-referer: every PSU-* header sent is signed (STET §3.5)',
    );
    const leftOut = await sandbox.callApi('azur', '/accounts', {
      token: token('azur'),
      tamper: (headers) => {
        headers.Signature = (headers.Signature ?? '').replace(' psu-ip-address', '');
      },
    });
    assert.equal(leftOut.status, 401);
    assert.match(String((await body(leftOut)).message), /^signature must cover psu-ip-address/);
  });

  describe('with the longer lists enforced', () => {
    let strict: TestSandbox;
    const strictTokens = new Map<string, string>();
    before(async () => {
      strict = await startTestSandbox({
        banks: SANDBOX_BANKS.map((bank) => ({
          ...bank,
          profile: {
            ...bank.profile,
            psuContext: { ...bank.profile.psuContext, enforced: true },
          },
        })),
      });
      for (const bank of ['lumiere', 'mistral']) {
        strictTokens.set(bank, (await strict.connect(bank)).access_token);
      }
    });
    after(() => strict.stop());

    for (const [bank, required] of [
      ['lumiere', ['PSU-IP-Port', 'PSU-User-Agent', 'PSU-Accept-Language']],
      ['mistral', ['PSU-User-Agent']],
    ] as const) {
      it(`requires ${required.join(', ')} of a present call at ${bank}`, async () => {
        for (const name of required) {
          const response = await strict.callApi(bank, '/accounts', {
            token: strictTokens.get(bank) ?? '',
            headers: { ...FULL_CONTEXT, [name]: '' },
          });
          assert.equal(response.status, 400);
          assert.equal(
            (await body(response)).message,
            `${name} is required when the customer is present`,
          );
        }
        const complete = await strict.callApi(bank, '/accounts', {
          token: strictTokens.get(bank) ?? '',
          headers: Object.fromEntries(
            Object.entries(FULL_CONTEXT).filter(
              ([name]) =>
                name === 'PSU-IP-Address' || (required as readonly string[]).includes(name),
            ),
          ),
        });
        assert.equal(complete.status, 200);
      });
    }
  });

  describe('unattended accesses (PSD2 RTS art. 36(5))', () => {
    /** The admin API's counters of one consent, by resource. */
    const countersOf = async (bank: string, accessToken: string) => {
      const issued = (await body(await sandbox.admin('GET', '/tokens'))).tokens as Json[];
      const grantId = issued.find((entry) => entry.value === accessToken)?.grantId;
      assert.ok(grantId);
      const report = await body(await sandbox.admin('GET', `/banks/${bank}/unattended-accesses`));
      assert.equal(report.limit, 4);
      return Object.fromEntries(
        (report.counters as { grantId: string; resource: string; used: number }[])
          .filter((counter) => counter.grantId === grantId)
          .map((counter) => [counter.resource, counter.used]),
      );
    };

    for (const bank of ['azur', 'bocage', 'mistral']) {
      it(`allows four a day per consent at ${bank} and refuses the fifth with 429`, async () => {
        const fresh = (await sandbox.connect(bank)).access_token;
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) statuses.push((await accounts(bank, UNATTENDED, fresh)).status);
        assert.deepEqual(statuses, [200, 200, 200, 200, 429]);
        const refused = await accounts(bank, UNATTENDED, fresh);
        assert.equal(refused.status, 429);
        const retryAfter = Number(refused.headers.get('retry-after'));
        assert.ok(retryAfter > 86_000 && retryAfter <= 86_400, `Retry-After ${retryAfter}`);
        const error = await body(refused);
        assert.deepEqual(checkStetSchema('1.4.0.47', 'ErrorModel', error), []);
        assert.match(String(error.message), /^unattended access limit reached: 4 in 24 hours/);
        assert.deepEqual(await countersOf(bank, fresh), { accounts: 4 });
        // With the customer present, the same consent is not limited.
        assert.equal((await accounts(bank, {}, fresh)).status, 200);
        assert.deepEqual(await countersOf(bank, fresh), { accounts: 4 });
      });
    }

    it('refuses unattended calls outright where PSU-IP-Address is required (Lumière)', async () => {
      const response = await accounts('lumiere', UNATTENDED);
      assert.equal(response.status, 400);
      assert.equal((await body(response)).message, 'PSU-IP-Address is required');
    });

    it('counts each account’s resources apart, and a listing’s later pages not at all', async () => {
      const fresh = (await sandbox.connect('mistral')).access_token;
      const list = await body(await accounts('mistral', {}, fresh));
      const [first, second] = (list.accounts as Json[]).map((account) =>
        String(account.resourceId),
      );
      assert.ok(first && second);
      const call = (path: string) =>
        sandbox.callApi('mistral', path, { token: fresh, headers: UNATTENDED });
      for (let i = 0; i < 4; i++) {
        assert.equal((await call(`/accounts/${first}/balances`)).status, 200);
      }
      assert.equal((await call(`/accounts/${first}/balances`)).status, 429);
      assert.equal((await call(`/accounts/${second}/balances`)).status, 200);
      const page = await body(await call(`/accounts/${first}/transactions`));
      let next = (page._links as { next?: { href: string } }).next?.href;
      assert.ok(next, 'mistral pages by 20');
      while (next) {
        const response = await call(apiPathOf('mistral', next));
        assert.equal(response.status, 200);
        next = ((await body(response))._links as { next?: { href: string } }).next?.href;
      }
      assert.deepEqual(await countersOf('mistral', fresh), {
        [`accounts/${first}/balances`]: 4,
        [`accounts/${second}/balances`]: 1,
        [`accounts/${first}/transactions`]: 1,
      });
    });

    it('counts over the last 24 hours of the bank’s clock', async () => {
      const fresh = await sandbox.connect('bocage');
      for (let i = 0; i < 4; i++) await accounts('bocage', UNATTENDED, fresh.access_token);
      assert.equal((await accounts('bocage', UNATTENDED, fresh.access_token)).status, 429);
      await sandbox.admin('POST', '/banks/bocage/clock', { advanceSeconds: 86_400 });
      try {
        // The hour-long access token has expired by now: refresh, the consent is the same.
        const refreshed = await sandbox.postToken('bocage', {
          grant_type: 'refresh_token',
          refresh_token: fresh.refresh_token ?? '',
          client_id: CLIENT_ID,
        });
        const { access_token: renewed } = (await refreshed.json()) as { access_token: string };
        assert.equal((await accounts('bocage', UNATTENDED, renewed)).status, 200);
        assert.deepEqual(await countersOf('bocage', renewed), { accounts: 1 });
      } finally {
        await sandbox.admin('POST', '/reset');
      }
    });

    it('clears the counters through the admin API', async () => {
      const fresh = (await sandbox.connect('azur')).access_token;
      for (let i = 0; i < 4; i++) await accounts('azur', UNATTENDED, fresh);
      assert.equal((await accounts('azur', UNATTENDED, fresh)).status, 429);
      assert.equal((await sandbox.admin('DELETE', '/banks/azur/unattended-accesses')).status, 204);
      assert.equal((await accounts('azur', UNATTENDED, fresh)).status, 200);
    });
  });
});

/**
 * The operator's metrics (`BFF_METRICS`): off by default, served with the API or alone on
 * `BFF_METRICS_PORT`, counting requests, bank calls, refreshes, ended consents and flows with the
 * labels docs/operations.md lists, and never a customer's handle, account or address in a label.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { Registry } from 'prom-client';
import { parse as parseYaml } from 'yaml';
import type { AccountList, Readiness } from '../../backend-for-frontend/contract/index.js';
import { ERROR_CODES } from '../../backend-for-frontend/contract/errors.js';
import { OPERATIONS } from '../../backend-for-frontend/contract/operations.js';
import { createBankConnectRouter } from '../../backend-for-frontend/index.js';
import { createLogger } from '../../backend-for-frontend/logger.js';
import { nameResource } from '../../backend-for-frontend/stet/bank-client.js';
import {
  PARTNER_ORIGIN,
  readError,
  returnFromBank,
  startFlow,
  startTestBff,
  type TestBff,
} from '../support/bff.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

const METRICS_ON = { BFF_METRICS: 'true' };

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus's text format (0.0.4), as far as prom-client writes it. */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not an exposition line: ${line}`);
      const [, name = '', labelText = '', value = ''] = match;
      const labels = Object.fromEntries(
        [...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key = '', raw = '']) => [
          key,
          raw.replace(/\\(.)/g, (_all, escaped: string) => (escaped === 'n' ? '\n' : escaped)),
        ]),
      );
      return { name, labels, value: Number(value) };
    });
}

interface Scrape {
  text: string;
  samples: Sample[];
  /** The value of the sample with exactly these labels (`le` aside), 0 when there is none. */
  value(name: string, labels: Record<string, string>): number;
}

async function scrape(base: string): Promise<Scrape> {
  const response = await fetch(`${base}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  const samples = parseExposition(text);
  return {
    text,
    samples,
    value: (name, labels) => {
      const wanted = Object.entries(labels);
      const found = samples.find(
        (sample) =>
          sample.name === name &&
          Object.keys(sample.labels).length === wanted.length &&
          wanted.every(([key, value]) => sample.labels[key] === value),
      );
      return found?.value ?? 0;
    },
  };
}

describe('operator metrics', () => {
  let sandbox: TestSandbox;
  before(async () => {
    sandbox = await startTestSandbox();
  });
  after(() => sandbox.stop());

  /** Runs `test` against a BFF started with `env`, and stops that BFF afterwards. */
  async function withBff(
    env: Record<string, string>,
    test: (bff: TestBff) => Promise<void>,
    options: { now?: () => number } = {},
  ): Promise<void> {
    const bff = await startTestBff(sandbox, { env, ...options });
    try {
      await test(bff);
    } finally {
      await bff.stop();
      await sandbox.admin('POST', '/reset');
    }
  }

  it('answers 404 at /metrics and keeps no registry while BFF_METRICS is off', async () => {
    await withBff({}, async (bff) => {
      assert.equal((await fetch(`${bff.url}/metrics`)).status, 404);
      assert.equal(bff.app.bankConnect.metrics, undefined);
      assert.equal(bff.metricsUrl, undefined);
    });
  });

  it('counts requests by route template and status, and bank calls by bank, operation and outcome', async () => {
    await withBff(METRICS_ON, async (bff) => {
      const session = await bff.connect('azur');
      const handle = session.sessionHandle;
      const [account] = session.accounts;
      assert.ok(account);
      const id = encodeURIComponent(account.id);
      assert.equal((await bff.call('GET', '/v1/accounts', { handle })).status, 200);
      assert.equal((await bff.call('GET', `/v1/accounts/${id}/balances`, { handle })).status, 200);
      assert.equal((await bff.call('GET', '/v1/nothing-here', { handle })).status, 404);

      const metrics = await scrape(bff.url);
      const requests = (method: string, route: string, status: string) =>
        metrics.value('bank_connect_http_requests_total', { method, route, status });
      assert.equal(requests('POST', '/v1/flows', '201'), 1);
      assert.equal(requests('POST', '/v1/flows/{flowId}/complete', '200'), 1);
      assert.equal(requests('GET', '/v1/accounts', '200'), 1);
      assert.equal(requests('GET', '/v1/accounts/{accountId}/balances', '200'), 1);
      assert.equal(requests('GET', 'unmatched', '404'), 1);

      const calls = (operation: string, outcome: string) =>
        metrics.value('bank_connect_bank_calls_total', { aspsp: 'azur', operation, outcome });
      assert.equal(calls('code-exchange', 'ok'), 1);
      // Once for the accounts of the consent, once for GET /v1/accounts.
      assert.equal(calls('accounts', 'ok'), 2);
      assert.equal(calls('balances', 'ok'), 1);

      const latency = { aspsp: 'azur', operation: 'balances' };
      assert.equal(metrics.value('bank_connect_bank_call_duration_seconds_count', latency), 1);
      const buckets = metrics.samples.filter(
        (sample) =>
          sample.name === 'bank_connect_bank_call_duration_seconds_bucket' &&
          sample.labels.aspsp === 'azur' &&
          sample.labels.operation === 'balances',
      );
      assert.equal(buckets.at(-1)?.labels.le, '+Inf');
      assert.equal(buckets.at(-1)?.value, 1);
      assert.ok(metrics.value('bank_connect_bank_call_duration_seconds_sum', latency) > 0);

      assert.equal(metrics.value('bank_connect_flows_started_total', { aspsp: 'azur' }), 1);
      assert.equal(
        metrics.value('bank_connect_flows_ended_total', { aspsp: 'azur', outcome: 'completed' }),
        1,
      );
      // The standalone BFF owns its process, and reports it under the standard names.
      assert.ok(metrics.samples.some((sample) => sample.name === 'process_cpu_user_seconds_total'));
      assert.ok(metrics.samples.some((sample) => sample.name === 'nodejs_heap_size_used_bytes'));
    });
  });

  it('counts a failing bank by the error code it ended with', async () => {
    await withBff(METRICS_ON, async (bff) => {
      const { sessionHandle: handle } = await bff.connect('lumiere');
      await sandbox.admin('PUT', '/banks/lumiere/scenario', { down: true });
      const refused = await bff.call('GET', '/v1/identity', { handle });
      assert.equal(refused.status, 502);
      assert.equal((await readError(refused)).error, 'bank_unavailable');

      const metrics = await scrape(bff.url);
      assert.equal(
        metrics.value('bank_connect_bank_calls_total', {
          aspsp: 'lumiere',
          operation: 'identity',
          outcome: 'bank_unavailable',
        }),
        1,
        'one call, its retries included',
      );
      assert.equal(
        metrics.value('bank_connect_http_requests_total', {
          method: 'GET',
          route: '/v1/identity',
          status: '502',
        }),
        1,
      );
    });
  });

  it('counts refreshes by outcome, and ended consents by reason', async () => {
    await withBff(METRICS_ON, async (bff) => {
      const azur = await bff.connect('azur');
      // Azur's access tokens live 300 s: past them, the bank answers 401 and the BFF refreshes.
      await sandbox.admin('POST', '/banks/azur/clock', { advanceSeconds: 400 });
      const refreshed = await bff.call('GET', '/v1/accounts', { handle: azur.sessionHandle });
      assert.equal(refreshed.status, 200);

      const bocage = await bff.connect('bocage', { login: 'luc.martin' });
      await sandbox.admin('POST', '/banks/bocage/consents/revoke', { login: 'luc.martin' });
      const refused = await bff.call('GET', '/v1/accounts', { handle: bocage.sessionHandle });
      assert.equal((await readError(refused)).error, 'reauth_required');

      const metrics = await scrape(bff.url);
      const refreshes = (aspsp: string, outcome: string) =>
        metrics.value('bank_connect_token_refreshes_total', { aspsp, outcome });
      assert.equal(refreshes('azur', 'ok'), 1);
      assert.equal(refreshes('bocage', 'reauth_required'), 1);
      assert.equal(
        metrics.value('bank_connect_reauth_required_total', {
          aspsp: 'bocage',
          reason: 'refresh_refused',
        }),
        1,
      );
      assert.equal(
        metrics.value('bank_connect_reauth_required_total', {
          aspsp: 'azur',
          reason: 'refresh_refused',
        }),
        0,
      );
      const calls = (aspsp: string, operation: string, outcome: string) =>
        metrics.value('bank_connect_bank_calls_total', { aspsp, operation, outcome });
      assert.equal(calls('azur', 'accounts', 'bank_unauthorized'), 1);
      assert.equal(calls('azur', 'refresh', 'ok'), 1);
      assert.equal(calls('bocage', 'refresh', 'reauth_required'), 1);
    });
  });

  it('counts flows the customer refused at the bank, and flows that came back too late', async () => {
    let offset = 0;
    await withBff(
      METRICS_ON,
      async (bff) => {
        const refused = await startFlow(bff, 'mistral');
        const denial = await returnFromBank(bff, refused, { decision: 'refuse' });
        assert.equal(denial.get('error'), 'access_denied');

        const late = await startFlow(bff, 'mistral');
        offset = (bff.config.flowTtlSeconds + 1) * 1000;
        const expiry = await returnFromBank(bff, late);
        assert.equal(expiry.get('error'), 'flow_expired');

        const metrics = await scrape(bff.url);
        const ended = (outcome: string) =>
          metrics.value('bank_connect_flows_ended_total', { aspsp: 'mistral', outcome });
        assert.equal(metrics.value('bank_connect_flows_started_total', { aspsp: 'mistral' }), 2);
        assert.equal(ended('denied'), 1);
        assert.equal(ended('expired'), 1);
        assert.equal(ended('completed'), 0);
      },
      { now: () => Date.now() + offset },
    );
  });

  it('puts no handle, account, flow id, origin or browser detail in any label', async () => {
    await withBff(METRICS_ON, async (bff) => {
      const session = await bff.connect('azur', { scopes: ['aisp', 'cbpii'] });
      const handle = session.sessionHandle;
      const { accounts } = (await (
        await bff.call('GET', '/v1/accounts', { handle })
      ).json()) as AccountList;
      const secrets = [handle, PARTNER_ORIGIN, 'partner.example', 'bank-connect tests'];
      for (const account of accounts) {
        const id = encodeURIComponent(account.id);
        secrets.push(
          account.id,
          id,
          account.maskedIdentifier,
          ...(account.iban ? [account.iban] : []),
        );
        await bff.call('GET', `/v1/accounts/${id}/transactions`, { handle });
        // A path the table does not know is counted as unmatched, not by its text.
        await bff.call('GET', `/v1/accounts/${id}/unknown`, { handle });
      }
      const current = accounts.find((account) => account.type === 'current');
      assert.ok(current);
      const funds = await bff.call('POST', '/v1/funds-confirmations', {
        handle,
        body: { accountId: current.id, amount: { amount: '10.00', currency: 'EUR' } },
      });
      assert.equal(funds.status, 200);
      const started = await startFlow(bff, 'azur');
      secrets.push(started.flow.flowId, started.state);

      const metrics = await scrape(bff.url);
      for (const secret of secrets) {
        assert.equal(metrics.text.includes(secret), false, `${secret} appears in the metrics`);
      }
      // Every label of the BFF's own metrics takes its value from a closed list.
      const allowed: Record<string, (value: string) => boolean> = {
        method: (value) => /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|other)$/.test(value),
        route: (value) =>
          value === 'unmatched' ||
          value === '/metrics' ||
          Object.values(OPERATIONS).some((operation) => operation.path === value),
        status: (value) => /^\d{3}$/.test(value),
        aspsp: (value) => bff.app.bankConnect.context.registry.has(value),
        operation: (value) =>
          /^(code-exchange|refresh|revocation|accounts|balances|transactions|identity|trusted-beneficiaries|funds-confirmations|other)$/.test(
            value,
          ),
        outcome: (value) =>
          [
            'ok',
            'shared',
            'completed',
            'denied',
            'expired',
            'failed',
            'bank_unauthorized',
          ].includes(value) || (ERROR_CODES as readonly string[]).includes(value),
        reason: (value) => /^(refresh_refused|no_refresh_token)$/.test(value),
        certificate: (value) => value === 'qwac' || value === 'qsealc',
        le: (value) => value === '+Inf' || Number.isFinite(Number(value)),
      };
      const own = metrics.samples.filter((sample) => sample.name.startsWith('bank_connect_'));
      assert.ok(own.some((sample) => sample.labels.operation === 'transactions'));
      assert.ok(own.some((sample) => sample.labels.operation === 'funds-confirmations'));
      for (const sample of own) {
        for (const [label, value] of Object.entries(sample.labels)) {
          const check = allowed[label];
          assert.ok(check, `${sample.name} has an unexpected label ${label}`);
          assert.ok(check(value), `${sample.name}{${label}="${value}"}`);
        }
      }
    });
  });

  it('reports the days each certificate has left, as /readyz does', async () => {
    await withBff(METRICS_ON, async (bff) => {
      const { certificates } = (await (await bff.call('GET', '/readyz')).json()) as Readiness;
      const metrics = await scrape(bff.url);
      for (const certificate of ['qwac', 'qsealc'] as const) {
        assert.equal(
          metrics.value('bank_connect_certificate_days_left', { certificate }),
          certificates[certificate].daysLeft,
          certificate,
        );
      }
    });
  });

  it('serves /metrics on BFF_METRICS_PORT alone when it is set', async () => {
    await withBff({ ...METRICS_ON, BFF_METRICS_PORT: '0' }, async (bff) => {
      assert.ok(bff.metricsUrl);
      assert.notEqual(bff.metricsUrl, bff.url);
      assert.equal((await fetch(`${bff.url}/metrics`)).status, 404);
      assert.equal((await fetch(`${bff.metricsUrl}/v1/aspsps`)).status, 404);
      await bff.call('GET', '/v1/aspsps');
      const metrics = await scrape(bff.metricsUrl);
      assert.equal(
        metrics.value('bank_connect_http_requests_total', {
          method: 'GET',
          route: '/v1/aspsps',
          status: '200',
        }),
        1,
      );
      assert.equal(
        metrics.value('bank_connect_http_requests_total', {
          method: 'GET',
          route: '/metrics',
          status: '404',
        }),
        1,
        'the API port counts the scrape it refused',
      );
    });
  });

  it('hands a partner app the registry of a mounted router, without process metrics', async () => {
    const bff = await startTestBff(sandbox);
    const silent = { logger: createLogger({ level: 'silent' }) };
    const mount = async (metricsPort: number | undefined) => {
      const router = createBankConnectRouter({ ...bff.config, metrics: true, metricsPort }, silent);
      const server = await new Promise<Server>((resolve) => {
        const started = express()
          .use(router)
          .listen(0, '127.0.0.1', () => resolve(started));
      });
      return {
        router,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: async () => {
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
          await router.close();
        },
      };
    };
    const served = await mount(undefined);
    const elsewhere = await mount(9464);
    try {
      assert.ok(served.router.metrics instanceof Registry);
      const metrics = await scrape(served.url);
      assert.ok(
        metrics.samples.some((sample) => sample.name === 'bank_connect_certificate_days_left'),
      );
      assert.equal(
        metrics.samples.some((sample) => !sample.name.startsWith('bank_connect_')),
        false,
        'the partner’s own registry reports the process',
      );
      // With a metrics port, the router leaves serving to the host app, and still gives the registry.
      assert.equal((await fetch(`${elsewhere.url}/metrics`)).status, 404);
      const text = await elsewhere.router.metrics?.metrics();
      assert.match(text ?? '', /bank_connect_certificate_days_left\{certificate="qwac"\}/);
    } finally {
      await served.close();
      await elsewhere.close();
      await bff.stop();
    }
  });

  it('gives alert rules, in docs/operations.md and the README, that read metrics the BFF serves', async () => {
    const readRules = (file: string, section: string) => {
      const page = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
      const block = new RegExp(`## ${section}[\\s\\S]*?\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(
        page,
      )?.[1];
      assert.ok(block, `${file} has the alert rules`);
      const { groups } = parseYaml(block) as {
        groups: Array<{ rules: Array<{ alert: string; expr: string; for?: string }> }>;
      };
      return groups.flatMap((group) => group.rules);
    };
    const rules = readRules('docs/operations.md', 'Metrics');
    assert.deepEqual(
      rules.map((rule) => rule.alert),
      ['BankConnectBankFailing', 'BankConnectCertificateExpiring'],
    );
    // The README's copy says the same, without the labels and annotations.
    assert.deepEqual(
      readRules('README.md', 'Alerts'),
      rules.map(({ alert, expr, for: lasting }) => ({
        alert,
        expr,
        ...(lasting ? { for: lasting } : {}),
      })),
    );
    await withBff(METRICS_ON, async (bff) => {
      await bff.connect('azur');
      const served = new Set(
        [...(await scrape(bff.url)).text.matchAll(/^# TYPE (\w+) /gm)].map(([, name]) => name),
      );
      for (const rule of rules) {
        for (const [name = ''] of rule.expr.matchAll(/\bbank_connect_\w+/g)) {
          const family = name.replace(/_(bucket|count|sum)$/, '');
          assert.ok(served.has(name) || served.has(family), `${rule.alert}: ${name} is served`);
        }
      }
    });
  });
});

describe('the bank operation a resource call is counted under', () => {
  it('names the resource, whatever ids or query its path or link holds', () => {
    const cases: Array<[Parameters<typeof nameResource>[0], string]> = [
      [{ path: '/accounts' }, 'accounts'],
      [{ path: '/accounts/FR76%2F1/balances' }, 'balances'],
      [{ path: '/accounts/abc/transactions?dateFrom=2025-01-01' }, 'transactions'],
      [
        { link: 'https://api.bank.example/stet/v1/accounts/abc/transactions?page=2' },
        'transactions',
      ],
      [{ link: '/v1/trusted-beneficiaries?page=3' }, 'trusted-beneficiaries'],
      [{ path: '/end-user-identity' }, 'identity'],
      [{ path: '/funds-confirmations' }, 'funds-confirmations'],
      [{ path: '/accounts/' }, 'accounts'],
      [{ path: '/accounts/a.b/balances' }, 'balances'],
      [{ path: '/accounts/abc' }, 'other'],
      [{ link: 'http://[not a link' }, 'other'],
    ];
    for (const [target, operation] of cases) assert.equal(nameResource(target), operation);
  });
});

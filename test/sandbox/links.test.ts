import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX_BANKS, type BankDefinition } from '../../demo/sandbox/banks.js';
import { createLinkWriter, type LinkStyle } from '../../demo/sandbox/stet/links.js';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.js';

type Json = Record<string, unknown>;

/** Every `href` under a `_links` anywhere in a HAL body, with the relation it is under. */
function collectLinks(value: unknown, found: { rel: string; href: string }[] = []) {
  if (Array.isArray(value)) for (const item of value) collectLinks(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === '_links' && child && typeof child === 'object') {
        for (const [rel, link] of Object.entries(child as Record<string, unknown>)) {
          found.push({ rel, href: String((link as { href?: unknown }).href) });
        }
      } else collectLinks(child, found);
    }
  }
  return found;
}

describe('the link writer', () => {
  const root = new URL('https://bank.example:9443/azur/');

  it('writes one API path in each of the three styles', () => {
    const path = 'v1/accounts?page=2';
    assert.equal(createLinkWriter('spec-relative', root)(path).href, 'v1/accounts?page=2');
    assert.equal(createLinkWriter('absolute-path', root)(path).href, '/azur/v1/accounts?page=2');
    assert.equal(
      createLinkWriter('absolute-url', root)(path).href,
      'https://bank.example:9443/azur/v1/accounts?page=2',
    );
  });

  it('writes hrefs that all resolve to the same URL against the API root', () => {
    for (const style of ['spec-relative', 'absolute-path', 'absolute-url'] as const) {
      const { href } = createLinkWriter(style, root)('v1/accounts/A%2F1/balances');
      assert.equal(
        new URL(href, root).href,
        'https://bank.example:9443/azur/v1/accounts/A%2F1/balances',
      );
    }
  });

  it('refuses a rooted path or an API root without its final slash', () => {
    assert.throws(() => createLinkWriter('absolute-url', root)('/v1/accounts'), TypeError);
    assert.throws(() => createLinkWriter('absolute-url', new URL('https://b.example/azur')));
  });
});

describe('sandbox HAL links, per bank link style', () => {
  // Three banks switched to the three styles; the fourth keeps its own (absolute-path).
  const styles: Record<string, LinkStyle> = {
    azur: 'spec-relative',
    lumiere: 'absolute-url',
    mistral: 'absolute-path',
  };
  const banks: BankDefinition[] = SANDBOX_BANKS.map((bank) => {
    const linkStyle = styles[bank.id];
    return linkStyle ? { ...bank, profile: { ...bank.profile, linkStyle } } : bank;
  });
  let sandbox: TestSandbox;
  const tokens = new Map<string, string>();

  before(async () => {
    sandbox = await startTestSandbox({ banks });
    for (const id of Object.keys(styles)) {
      tokens.set(id, (await sandbox.connect(id, { scope: 'aisp cbpii' })).access_token);
    }
  });
  after(() => sandbox.stop());

  /** What `GET /banks` gives a TPP: the API base URL; its API root is the base minus `v1`. */
  const apiRootOf = async (id: string) => {
    const directory = (await (await fetch(`${sandbox.browserOrigin}/banks`)).json()) as {
      banks: { id: string; apiBaseUrl: string; profile: { linkStyle: LinkStyle } }[];
    };
    const entry = directory.banks.find((bank) => bank.id === id);
    assert.ok(entry);
    assert.equal(entry.profile.linkStyle, styles[id], '/banks publishes the link style');
    return new URL('.', entry.apiBaseUrl);
  };
  const get = async (id: string, url: string) => {
    const response = await sandbox.callApi(id, url, { token: tokens.get(id) ?? '' });
    assert.equal(response.status, 200, url);
    return (await response.json()) as Json;
  };
  const matchesStyle = (style: LinkStyle, href: string, root: URL) => {
    if (style === 'spec-relative') return /^v1\//.test(href);
    if (style === 'absolute-path') return href.startsWith(`${root.pathname}v1/`);
    return href.startsWith(`${root.href}v1/`);
  };

  for (const [id, style] of Object.entries(styles)) {
    it(`writes every link of ${id} as ${style}, and each resolves against the API root`, async () => {
      const root = await apiRootOf(id);
      const seen: { rel: string; href: string }[] = [];
      const accounts = await get(id, `${root.href}v1/accounts`);
      seen.push(...collectLinks(accounts));
      for (const account of accounts.accounts as Json[]) {
        const links = account._links as Record<string, { href: string }>;
        for (const rel of ['balances', 'transactions'] as const) {
          const page = await get(id, new URL(links[rel]?.href ?? '', root).href);
          seen.push(...collectLinks(page));
          // Every page link of the listing leads to a page the bank serves.
          for (const pageRel of ['first', 'prev', 'next', 'last'] as const) {
            const href = (page._links as Record<string, { href: string } | undefined>)[pageRel]
              ?.href;
            if (href) seen.push(...collectLinks(await get(id, new URL(href, root).href)));
          }
        }
      }
      seen.push(...collectLinks(await get(id, `${root.href}v1/end-user-identity`)));
      seen.push(...collectLinks(await get(id, `${root.href}v1/trusted-beneficiaries`)));
      const iban = ((accounts.accounts as Json[])[0]?.accountId as { iban: string }).iban;
      const funds = await sandbox.callApi(id, `${root.href}v1/funds-confirmations`, {
        method: 'POST',
        token: tokens.get(id) ?? '',
        body: {
          paymentCoverageRequestId: 'links-1',
          instructedAmount: {
            amount: sandbox.bank(id).profile.stetVersion === '1.4.0.47' ? '1.00' : 1,
            currency: 'EUR',
          },
          accountId: { iban },
        },
      });
      assert.equal(funds.status, 200);
      seen.push(...collectLinks(await funds.json()));

      const rels = new Set(seen.map((link) => link.rel));
      for (const rel of ['self', 'balances', 'transactions', 'parent-list', 'first', 'next']) {
        assert.ok(rels.has(rel), `${id} sent a ${rel} link`);
      }
      for (const { rel, href } of seen) {
        assert.ok(matchesStyle(style, href, root), `${rel} ${href} is ${style}`);
      }
    });
  }

  it('reaches page 2 by resolving a spec-relative next link against the API root', async () => {
    const root = await apiRootOf('azur');
    const accounts = await get('azur', `${root.href}v1/accounts`);
    let next: string | undefined;
    for (const account of accounts.accounts as Json[]) {
      const page = await get(
        'azur',
        `${root.href}v1/accounts/${String(account.resourceId)}/transactions`,
      );
      next ??= (page._links as { next?: { href: string } }).next?.href;
    }
    assert.ok(next, 'an account of marie.dupont has more than one page at azur');
    assert.match(next, /^v1\/accounts\/[^?]+\/transactions\?page=/);

    const second = await get('azur', new URL(next, root).href);
    const links = second._links as Record<string, { href: string } | undefined>;
    assert.ok(links.prev && links.first, 'page 2 links back to the first page');
    assert.ok((second.transactions as Json[]).length > 0);

    // Resolved against the /v1 base URL itself, the same href names no resource.
    const wrong = new URL(next, `${root.href}v1/`);
    assert.match(wrong.pathname, /\/azur\/v1\/v1\//);
    const response = await sandbox.callApi('azur', wrong.href, { token: tokens.get('azur') ?? '' });
    assert.equal(response.status, 404);
  });

  it('pages with first, prev, next and last links that agree with each other', async () => {
    const root = await apiRootOf('mistral');
    const accounts = await get('mistral', `${root.href}v1/accounts`);
    const id = String((accounts.accounts as Json[])[0]?.resourceId);
    const first = await get('mistral', `${root.href}v1/accounts/${id}/transactions`);
    const firstLinks = first._links as Record<string, { href: string } | undefined>;
    assert.ok(firstLinks.next && firstLinks.last && firstLinks.first);
    assert.equal(firstLinks.prev, undefined, 'the first page has no prev');
    const last = await get('mistral', new URL(firstLinks.last.href, root).href);
    const lastLinks = last._links as Record<string, { href: string } | undefined>;
    assert.equal(lastLinks.next, undefined, 'the last page has no next');
    assert.equal(lastLinks.first?.href, firstLinks.first.href);
    assert.equal(lastLinks.self?.href, firstLinks.last.href);
    const tampered = firstLinks.last.href.replace(/\.(\d+)$/, '.999');
    const beyond = await sandbox.callApi('mistral', new URL(tampered, root).href, {
      token: tokens.get('mistral') ?? '',
    });
    assert.equal(beyond.status, 400);
  });
});

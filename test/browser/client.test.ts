import { expect } from '@open-wc/testing';
import {
  BankConnectError,
  createBankConnectClient,
  type BankConnectClientOptions,
} from '../../widget/client.js';
import { acceptedProofs, stubBff } from './support/helpers.js';

/** A client of the stub BFF whose fixture handle binds to this page's key on first use. */
function clientOf(bff: string, options: Partial<BankConnectClientOptions> = {}) {
  return createBankConnectClient({ bff, sessionHandle: 'sh-active', retryDelay: 0, ...options });
}

/** What a promise rejected with; fails the test if it resolved. */
async function rejectionOf(promise: Promise<unknown>): Promise<BankConnectError> {
  try {
    await promise;
  } catch (error) {
    return error as BankConnectError;
  }
  throw new Error('the promise resolved');
}

describe('createBankConnectClient', () => {
  it('reads the session’s data, each call with a proof of this browser’s key', async () => {
    const bff = stubBff();
    const client = clientOf(bff);
    const { accounts } = await client.accounts();
    await expect(accounts.map((account) => account.id)).to.deep.equal(['acc 1/a']);
    const { balances } = await client.balances('acc 1/a');
    await expect(balances[0]?.amount).to.deep.equal({ amount: '1234.56', currency: 'EUR' });
    expect(await client.identity()).to.include({ fullName: 'Marie Dupont' });
    expect(await client.session()).to.include({ aspsp: 'socgen', status: 'active' });
    const proofs = await acceptedProofs(bff);
    await expect(proofs.map((proof) => [proof.method, proof.route])).to.deep.equal([
      ['GET', 'v1/accounts'],
      ['GET', 'v1/accounts/acc%201%2Fa/balances'],
      ['GET', 'v1/identity'],
      ['GET', 'v1/session'],
    ]);
    for (const proof of proofs) {
      await expect(proof.authorization).to.equal('DPoP sh-active');
      expect(proof.payload).to.have.property('ath');
    }
  });

  it('reads the bank directory without a session or a proof', async () => {
    const bff = stubBff();
    const { aspsps } = await createBankConnectClient({ bff }).aspsps();
    expect(aspsps.length).to.be.greaterThan(3);
    await expect(await acceptedProofs(bff)).to.deep.equal([]);
  });

  it('reads one page of transactions, with the contract’s query names, and signs the URL without them', async () => {
    const bff = stubBff('pages');
    const page = await clientOf(bff).transactions('acc 1/a', {
      dateFrom: '2026-01-01',
      dateTo: '2026-02-01',
    });
    await expect(page.nextCursor).to.equal('page-2');
    await expect(page.transactions[0]?.description).to.equal('page 1 2026-01-01..2026-02-01');
    const [proof] = await acceptedProofs(bff);
    await expect(proof?.payload.htu).to.equal(`${bff}v1/accounts/acc%201%2Fa/transactions`);
  });

  it('iterates over every page, following the cursor alone, until the last', async () => {
    const bff = stubBff('pages');
    const seen: string[] = [];
    for await (const page of clientOf(bff).transactionPages('acc 1/a', {
      dateFrom: '2026-01-01',
    })) {
      seen.push(...page.transactions.map((transaction) => transaction.id));
    }
    await expect(seen).to.deep.equal(['t-1', 't-2', 't-3']);
    const proofs = await acceptedProofs(bff);
    expect(proofs).to.have.length(3);
    await expect(new Set(proofs.map((proof) => proof.payload.jti)).size).to.equal(3);
  });

  it('stops fetching pages when the loop breaks', async () => {
    const bff = stubBff('pages');
    for await (const page of clientOf(bff).transactionPages('acc 1/a')) {
      await expect(page.nextCursor).to.equal('page-2');
      break;
    }
    expect(await acceptedProofs(bff)).to.have.length(1);
  });

  it('disconnects: the bff forgets the session, and the handle opens nothing afterwards', async () => {
    const bff = stubBff();
    const client = clientOf(bff);
    await expect(await client.disconnect()).to.equal(undefined);
    const error = await rejectionOf(client.accounts());
    await expect(error.code).to.equal('SESSION_REQUIRED');
  });

  it('surfaces the bff’s error model as a BankConnectError', async () => {
    const error = await rejectionOf(clientOf(stubBff()).balances('acc-unknown'));
    expect(error).to.be.instanceOf(BankConnectError);
    expect(error).to.include({
      code: 'NOT_FOUND',
      message: 'stub not_found',
      retryable: false,
      status: 404,
      requestId: 'stub-request',
    });
  });

  it('answers SESSION_REQUIRED without a handle, and BFF_UNREACHABLE when nothing answers', async () => {
    const withoutHandle = await rejectionOf(createBankConnectClient({ bff: stubBff() }).accounts());
    expect(withoutHandle).to.include({ code: 'SESSION_REQUIRED', status: 401 });
    const unreachable = await rejectionOf(
      createBankConnectClient({ bff: 'http://127.0.0.1:1/', retries: 0 }).accounts(),
    );
    expect(unreachable).to.include({ code: 'BFF_UNREACHABLE', retryable: true });
  });

  it('refuses bad options where they enter', () => {
    expect(() => createBankConnectClient({ bff: '' })).to.throw('the bff option is required');
    expect(() => createBankConnectClient({ bff: 'https://bff.example/?x=1' })).to.throw(
      /the bff option must be an absolute/,
    );
    expect(() => createBankConnectClient({ bff: stubBff(), retries: -1 })).to.throw(RangeError);
    expect(() => createBankConnectClient({ bff: stubBff(), retryDelay: 1.5 })).to.throw(
      'the retryDelay option must be a whole number from 0 to 60000',
    );
  });

  describe('retries', () => {
    it('retries a read that failed retryably, and answers once it succeeds', async () => {
      const bff = stubBff('flaky-2');
      const { accounts } = await clientOf(bff, { retries: 2 }).accounts();
      expect(accounts).to.have.length(1);
      // Three attempts, each with its own proof.
      expect(await acceptedProofs(bff)).to.have.length(3);
    });

    it('gives up after the retries it is allowed, with the last error', async () => {
      const bff = stubBff('flaky-3');
      const error = await rejectionOf(clientOf(bff, { retries: 2 }).accounts());
      expect(error).to.include({
        code: 'BANK_UNAVAILABLE',
        retryable: true,
        retryAfter: 0,
        status: 502,
        aspsp: 'socgen',
      });
      expect(await acceptedProofs(bff)).to.have.length(3);
    });

    it('never retries with retries: 0', async () => {
      const bff = stubBff('flaky-1');
      const error = await rejectionOf(clientOf(bff, { retries: 0 }).accounts());
      await expect(error.code).to.equal('BANK_UNAVAILABLE');
      expect(await acceptedProofs(bff)).to.have.length(1);
    });

    it('never retries what is not retryable', async () => {
      const bff = stubBff();
      await rejectionOf(clientOf(bff, { retries: 3 }).balances('acc-unknown'));
      expect(await acceptedProofs(bff)).to.have.length(1);
    });

    it('never retries a disconnect, which is no read', async () => {
      const bff = stubBff('flaky-1');
      const error = await rejectionOf(clientOf(bff, { retries: 3 }).disconnect());
      expect(error).to.include({ code: 'BANK_UNAVAILABLE', retryable: true });
      expect(await acceptedProofs(bff)).to.have.length(1);
    });

    it('retries a gateway’s 503 without a body', async () => {
      const bff = stubBff('gateway');
      const { accounts } = await clientOf(bff).accounts();
      expect(accounts).to.have.length(1);
      expect(await acceptedProofs(bff)).to.have.length(2);
    });

    it('waits as long as Retry-After says before trying again', async () => {
      const bff = stubBff('slow-1');
      const started = performance.now();
      await clientOf(bff).accounts();
      expect(performance.now() - started).to.be.at.least(1000);
      expect(await acceptedProofs(bff)).to.have.length(2);
    });

    it('does not wait out a Retry-After longer than maxRetryDelay: it throws with retryAfter', async () => {
      const bff = stubBff('slow-120');
      const started = performance.now();
      const error = await rejectionOf(clientOf(bff, { maxRetryDelay: 5000 }).accounts());
      expect(error).to.include({ code: 'BANK_RATE_LIMITED', retryAfter: 120, status: 429 });
      expect(performance.now() - started).to.be.below(1000);
      expect(await acceptedProofs(bff)).to.have.length(1);
    });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  readBankMessage,
  readChallengeError,
  toBankError,
  type BankCall,
} from '../../backend-for-frontend/stet/bank-errors.js';

const TOKEN_CALLS: BankCall[] = ['code-exchange', 'refresh', 'revocation'];
const ALL_CALLS: BankCall[] = ['resource', ...TOKEN_CALLS];

function headers(values: Record<string, string>) {
  return new Headers(values);
}

describe('toBankError', () => {
  it('names the bank and keeps the cause', () => {
    const cause = new Error('underlying');
    const error = toBankError('azur', 'resource', { status: 503, cause });
    assert.equal(error.aspsp, 'azur');
    assert.equal(error.cause, cause);
  });

  it('never follows a 3xx: bank_error at every call', () => {
    for (const call of ALL_CALLS) {
      for (const status of [301, 302, 303, 307, 308]) {
        const error = toBankError('azur', call, { status });
        assert.equal(error.code, 'bank_error', `${call} ${status}`);
        assert.equal(error.bankStatus, undefined);
      }
    }
  });

  it('maps 429 to bank_rate_limited with the bank’s Retry-After, at every call', () => {
    for (const call of ALL_CALLS) {
      const error = toBankError('azur', call, {
        status: 429,
        headers: headers({ 'retry-after': '17' }),
      });
      assert.equal(error.code, 'bank_rate_limited', call);
      assert.equal(error.retryAfter, 17);
    }
    const dated = toBankError('azur', 'resource', {
      status: 429,
      headers: headers({ 'retry-after': new Date(Date.now() + 60_000).toUTCString() }),
    });
    assert.ok(dated.retryAfter !== undefined && dated.retryAfter > 50 && dated.retryAfter <= 60);
    assert.equal(toBankError('azur', 'resource', { status: 429 }).retryAfter, undefined);
    const unreadable = toBankError('azur', 'resource', {
      status: 429,
      headers: headers({ 'retry-after': 'soon' }),
    });
    assert.equal(unreadable.retryAfter, undefined);
  });

  it('maps 5xx to bank_unavailable at every call, whatever the body said', () => {
    for (const call of ALL_CALLS) {
      for (const status of [500, 502, 503, 504]) {
        const error = toBankError('azur', call, { status, error: 'invalid_grant' });
        assert.equal(error.code, 'bank_unavailable', `${call} ${status}`);
      }
    }
  });

  describe('resource calls', () => {
    it('maps 401 to bank_unauthorized, for a refresh and one replay', () => {
      assert.equal(toBankError('azur', 'resource', { status: 401 }).code, 'bank_unauthorized');
    });

    it('maps an RFC 6750 invalid_token challenge to bank_unauthorized', () => {
      const error = toBankError('azur', 'resource', { status: 400, error: 'invalid_token' });
      assert.equal(error.code, 'bank_unauthorized');
    });

    it('maps 403 to access_denied and 404 to not_found', () => {
      assert.equal(toBankError('azur', 'resource', { status: 403 }).code, 'access_denied');
      const scope = toBankError('azur', 'resource', { status: 403, error: 'insufficient_scope' });
      assert.equal(scope.code, 'access_denied');
      assert.equal(toBankError('azur', 'resource', { status: 404 }).code, 'not_found');
    });

    it('maps other 4xx to bank_error with the bank’s status, for routes to blame the input', () => {
      for (const status of [400, 405, 406, 408, 409, 422]) {
        const error = toBankError('azur', 'resource', { status });
        assert.equal(error.code, 'bank_error');
        assert.equal(error.bankStatus, status);
        assert.equal(error.message, `the bank answered ${status}`);
      }
    });
  });

  describe('token-endpoint calls', () => {
    it('maps invalid_grant at a refresh or revocation to reauth_required', () => {
      for (const call of ['refresh', 'revocation'] as const) {
        const error = toBankError('azur', call, { status: 400, error: 'invalid_grant' });
        assert.equal(error.code, 'reauth_required', call);
      }
    });

    it('maps invalid_grant at a code exchange to authorization_failed: only the flow ends', () => {
      const error = toBankError('azur', 'code-exchange', { status: 400, error: 'invalid_grant' });
      assert.equal(error.code, 'authorization_failed');
    });

    it('maps other refusals to bank_error without bankStatus: they are not the page’s input', () => {
      for (const call of TOKEN_CALLS) {
        for (const [status, error] of [
          [400, 'invalid_request'],
          [401, 'invalid_client'],
          [403, undefined],
          [404, undefined],
          [400, 'invalid_token'],
        ] as const) {
          const mapped = toBankError('azur', call, { status, error });
          assert.equal(mapped.code, 'bank_error', `${call} ${status} ${error ?? ''}`);
          assert.equal(mapped.bankStatus, undefined);
        }
      }
    });

    it('quotes the bank’s error code only when it has the RFC 6749 shape', () => {
      const plain = toBankError('azur', 'refresh', { status: 400, error: 'invalid_scope' });
      assert.equal(plain.message, 'the bank answered 400 invalid_scope');
      const odd = toBankError('azur', 'refresh', { status: 400, error: '{"x":"<b>"}' });
      assert.equal(odd.message, 'the bank answered 400');
    });
  });
});

describe('readBankMessage', () => {
  it('keeps the message of a STET error body, for the logs only', () => {
    const body = JSON.stringify({ status: 401, message: 'signature does not verify' });
    assert.equal(readBankMessage(body), 'signature does not verify');
    const error = toBankError('mistral', 'resource', {
      status: 401,
      bankMessage: readBankMessage(body),
    });
    assert.equal(error.bankMessage, 'signature does not verify');
    assert.doesNotMatch(error.message, /signature/, 'the page’s message stays the BFF’s own');
  });

  it('redacts anything long enough to be a token that a bank echoes', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl';
    const message = readBankMessage(JSON.stringify({ message: `token ${token} is unknown` }));
    assert.equal(message, 'token [redacted] is unknown');
  });

  it('bounds the length and drops control characters', () => {
    const message = readBankMessage(JSON.stringify({ message: `a\nb ${'word '.repeat(100)}` }));
    assert.ok(message);
    assert.equal(message.length, 200);
    assert.match(message, /^a b word/);
  });

  it('has nothing to say of a body that is not a STET error', () => {
    for (const body of ['', 'not json', 'null', '{"message":42}', '{"message":"   "}', '[]']) {
      assert.equal(readBankMessage(body), undefined, body);
    }
  });
});

describe('readChallengeError', () => {
  it('reads the RFC 6750 error of a challenge, quoted or not, the name in any case', () => {
    assert.equal(readChallengeError('Bearer error="invalid_token"'), 'invalid_token');
    assert.equal(readChallengeError('Bearer ERROR = insufficient_scope'), 'insufficient_scope');
    assert.equal(
      readChallengeError('Basic realm="b", Bearer error=invalid_token, error_description="x"'),
      'invalid_token',
    );
    assert.equal(readChallengeError('Bearer error="a\\"b"'), 'a"b');
  });

  it('never reads an error out of another parameter’s quoted value', () => {
    assert.equal(
      readChallengeError('Bearer realm="x, error=forged", error="invalid_token"'),
      'invalid_token',
    );
    assert.equal(readChallengeError('Bearer realm="error=forged"'), undefined);
    assert.equal(readChallengeError('Bearer error_description="error=forged"'), undefined);
    assert.equal(readChallengeError(null), undefined);
  });
});

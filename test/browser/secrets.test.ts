import { expect } from '@open-wc/testing';
import {
  calculateCodeChallenge,
  createAuthorizationSecrets,
} from '../../widget/authorization/secrets.js';

describe('the secrets of an authorization request', () => {
  it('derives the S256 challenge of RFC 7636 Appendix B', async () => {
    await expect(
      await calculateCodeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    ).to.equal('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes a fresh 43-character base64url state and verifier, and the verifier’s challenge', async () => {
    const first = await createAuthorizationSecrets();
    const second = await createAuthorizationSecrets();
    for (const value of [first.state, first.codeVerifier, first.codeChallenge]) {
      expect(value).to.match(/^[A-Za-z0-9_-]{43}$/);
    }
    await expect(first.codeChallenge).to.equal(await calculateCodeChallenge(first.codeVerifier));
    expect(
      new Set([first.state, first.codeVerifier, second.state, second.codeVerifier]),
    ).to.have.property('size', 4);
  });
});

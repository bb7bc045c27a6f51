import { expect } from '@open-wc/testing';
import {
  dpopState,
  KEY_DATABASE,
  loadDpopKey,
  readStoredKeyPair,
} from '../../widget/dpop/dpop-key.js';
import { createDpopProof } from '../../widget/dpop/dpop-proof.js';
import {
  acceptedProofs,
  button,
  chooseBank,
  mount,
  spyOnWindowOpen,
  stubBff,
  thumbprintOf,
  unmountAll,
  withAnotherKey,
} from './support/helpers.js';

/** The page's memory of its key, gone: what a reload or a new tab starts from. */
function forgetKeyInMemory(): void {
  delete dpopState().key;
}

function deleteKeyDatabase(): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(KEY_DATABASE);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(new Error('could not delete the key database'));
  });
}

async function publicThumbprint(pair: CryptoKeyPair): Promise<string> {
  return thumbprintOf((await crypto.subtle.exportKey('jwk', pair.publicKey)) as never);
}

function decodePart(part: string | undefined): Record<string, unknown> {
  const base64 = (part ?? '').replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(base64)) as Record<string, unknown>;
}

/** The authentication failures the stub BFF answered for this tag, in order. */
async function refusals(bff: string): Promise<string[]> {
  return (await (await fetch(new URL('_test/refusals', bff))).json()) as string[];
}

async function sha256Base64Url(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return btoa(String.fromCharCode(...new Uint8Array(digest)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

describe('the DPoP key', () => {
  afterEach(() => {
    unmountAll();
    localStorage.clear();
  });

  it('is an ES256 pair whose private key cannot be read out', async () => {
    const { privateKey, publicKey } = await loadDpopKey();
    await expect(privateKey.extractable).to.equal(false);
    expect(privateKey.algorithm).to.deep.include({ name: 'ECDSA', namedCurve: 'P-256' });
    await expect(privateKey.usages).to.deep.equal(['sign']);
    let exported: unknown;
    try {
      exported = await crypto.subtle.exportKey('jwk', privateKey);
    } catch (error) {
      exported = error;
    }
    expect(exported).to.be.instanceOf(DOMException);
    await expect((exported as DOMException).name).to.equal('InvalidAccessError');
    const publicJwk = await crypto.subtle.exportKey('jwk', publicKey);
    expect(publicJwk).not.to.have.property('d');
  });

  it('is the same after a reload and in a new instance: one thumbprint for the origin', async () => {
    const before = await publicThumbprint(await loadDpopKey());
    forgetKeyInMemory();
    const afterReload = await publicThumbprint(await loadDpopKey());
    await expect(afterReload).to.equal(before);
    const bff = stubBff();
    const first = await mount({ bff, session: 'sh-active' });
    await first.events.step('session_active');
    const second = await mount({ bff, session: 'sh-active' });
    await second.events.step('session_active');
    const proofs = await acceptedProofs(bff);
    expect(proofs).to.have.length(2);
    await expect(proofs.map((proof) => proof.jkt)).to.deep.equal([before, before]);
  });

  it('is created once for two tabs that ask for it first at the same time', async () => {
    forgetKeyInMemory();
    await deleteKeyDatabase();
    const [first, second] = await Promise.all([readStoredKeyPair(), readStoredKeyPair()]);
    if (!first || !second) throw new Error('no key');
    await expect(await publicThumbprint(second)).to.equal(await publicThumbprint(first));
    await expect(await publicThumbprint(await loadDpopKey())).to.equal(
      await publicThumbprint(first),
    );
  });

  it('falls back to a key in memory, the same for the page, where IndexedDB fails', async () => {
    const stored = await publicThumbprint(await loadDpopKey());
    forgetKeyInMemory();
    const open = Object.getOwnPropertyDescriptor(IDBFactory.prototype, 'open');
    Object.defineProperty(IDBFactory.prototype, 'open', {
      configurable: true,
      value: () => {
        throw new DOMException('blocked by the test', 'SecurityError');
      },
    });
    try {
      const inMemory = await loadDpopKey();
      await expect(inMemory.privateKey.extractable).to.equal(false);
      await expect(await publicThumbprint(inMemory)).not.to.equal(stored);
      await expect(await loadDpopKey()).to.equal(inMemory);
    } finally {
      if (open) Object.defineProperty(IDBFactory.prototype, 'open', open);
      forgetKeyInMemory();
    }
    await expect(await publicThumbprint(await loadDpopKey())).to.equal(stored);
  });
});

describe('the DPoP proof', () => {
  let restoreOpen: (() => void) | undefined;

  afterEach(() => {
    unmountAll();
    restoreOpen?.();
    restoreOpen = undefined;
    localStorage.clear();
  });

  it('is a compact ES256 JWS whose signature verifies with the public key of its header', async () => {
    const proof = await createDpopProof({ htm: 'GET', htu: 'https://bff.example/v1/session' });
    const [header, payload, signature] = proof.split('.');
    const { jwk, ...rest } = decodePart(header) as { jwk: JsonWebKey };
    await expect(rest).to.deep.equal({ typ: 'dpop+jwt', alg: 'ES256' });
    await expect(Object.keys(jwk).sort()).to.deep.equal(['crv', 'kty', 'x', 'y']);
    const key = await crypto.subtle.importKey(
      'jwk',
      jwk,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    const bytes = Uint8Array.from(
      atob((signature ?? '').replace(/-/g, '+').replace(/_/g, '/')),
      (char) => char.charCodeAt(0),
    );
    expect(bytes).to.have.length(64);
    const valid = await crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      bytes,
      new TextEncoder().encode(`${header}.${payload}`),
    );
    await expect(valid).to.equal(true);
  });

  it('names the method, the URL without query, the time, a fresh jti and the handle’s hash', async () => {
    const bff = stubBff();
    const spy = spyOnWindowOpen();
    restoreOpen = spy.restore;
    const { el, events } = await mount({
      bff,
      session: 'sh-reauth',
      mode: 'popup',
      lang: 'en',
    });
    await events.step('reconnect');
    await el.updateComplete;
    button(el, 'Continue to Société Générale').click();
    await events.wait('bank-connect-success');
    const proofs = await acceptedProofs(bff);
    const now = Date.now() / 1000;
    const ath = await sha256Base64Url('sh-reauth');
    await expect(
      proofs.map(({ method, route, authorization, payload }) => ({
        method,
        route,
        authorization,
        htm: payload.htm,
        htu: payload.htu,
        ath: payload.ath,
      })),
    ).to.deep.equal([
      {
        method: 'GET',
        route: 'v1/session',
        authorization: 'DPoP sh-reauth',
        htm: 'GET',
        htu: `${bff}v1/session`,
        ath,
      },
      {
        method: 'POST',
        route: 'v1/flows',
        authorization: 'DPoP sh-reauth',
        htm: 'POST',
        htu: `${bff}v1/flows`,
        ath,
      },
      {
        method: 'POST',
        route: proofs[2]?.route,
        authorization: 'DPoP sh-reauth',
        htm: 'POST',
        htu: `${bff}${proofs[2]?.route}`,
        ath,
      },
    ]);
    expect(proofs[2]?.route).to.match(/^v1\/flows\/flow-[\w-]+\/complete$/);
    for (const { payload } of proofs) {
      expect(payload.iat).to.be.a('number');
      await expect(Number.isInteger(payload.iat)).to.equal(true);
      expect(Math.abs((payload.iat as number) - now)).to.be.lessThan(30);
      expect(payload.jti).to.match(/^[A-Za-z0-9_-]{43}$/);
    }
    await expect(new Set(proofs.map(({ payload }) => payload.jti)).size).to.equal(proofs.length);
  });

  it('carries no handle and no ath when a new bank is connected', async () => {
    const bff = stubBff();
    const spy = spyOnWindowOpen();
    restoreOpen = spy.restore;
    const { el, events } = await mount({ bff, mode: 'popup', lang: 'en' });
    await chooseBank(el, events, 'lcl');
    button(el, 'Continue to LCL').click();
    await events.wait('bank-connect-success');
    const proofs = await acceptedProofs(bff);
    await expect(proofs.map((proof) => [proof.route.replace(/flow-[\w-]+/, 'ID')])).to.deep.equal([
      ['v1/flows'],
      ['v1/flows/ID/complete'],
    ]);
    for (const proof of proofs) {
      await expect(proof.authorization).to.equal('');
      expect(proof.payload).not.to.have.property('ath');
    }
  });

  it('makes the session handle useless without this browser’s key', async () => {
    const bff = stubBff();
    const spy = spyOnWindowOpen();
    restoreOpen = spy.restore;
    const { el, events } = await mount({ bff, mode: 'popup', lang: 'en' });
    await chooseBank(el, events, 'lcl');
    button(el, 'Continue to LCL').click();
    const sessionHandle = (await events.wait('bank-connect-success')).sessionHandle ?? '';
    const asBearer = await fetch(new URL('v1/session', bff), {
      headers: { 'X-Bank-Connect': '1', Authorization: `Bearer ${sessionHandle}` },
    });
    await expect(asBearer.status).to.equal(401);
    await expect(((await asBearer.json()) as { error: string }).error).to.equal(
      'dpop_proof_required',
    );
    // Another browser, with its own key, gets nothing of the session: it is offered the banks.
    const elsewhere = await withAnotherKey(async () => {
      const copied = await mount({ bff, session: sessionHandle, lang: 'en' });
      await copied.events.step('open');
      return copied;
    });
    await expect(elsewhere.el.currentView).to.equal('choose');
    await expect((await refusals(bff)).at(-1)).to.equal('invalid_dpop_proof');
    const here = await mount({ bff, session: sessionHandle, lang: 'en' });
    await here.events.step('session_active');
  });
});

describe('the DPoP nonce', () => {
  afterEach(() => {
    unmountAll();
    localStorage.clear();
  });

  it('signs again with the nonce the bff asks for, once, and remembers it for the next proofs', async () => {
    const bff = stubBff('nonce');
    const first = await mount({ bff, session: 'sh-active' });
    await first.events.step('session_active');
    await expect(await refusals(bff)).to.deep.equal(['use_dpop_nonce']);
    const second = await mount({ bff, session: 'sh-active' });
    await second.events.step('session_active');
    await expect(await refusals(bff)).to.deep.equal(['use_dpop_nonce']);
    const proofs = await acceptedProofs(bff);
    expect(proofs).to.have.length(2);
    for (const proof of proofs) expect(proof.payload.nonce).to.match(/^nonce-nonce\./);
  });

  it('follows a nonce the bff changes', async () => {
    const bff = stubBff('nonce');
    const first = await mount({ bff, session: 'sh-active' });
    await first.events.step('session_active');
    const rotated = (await (
      await fetch(new URL('_test/rotate-nonce', bff), { method: 'POST' })
    ).json()) as { nonce: string };
    const second = await mount({ bff, session: 'sh-active' });
    await second.events.step('session_active');
    await expect(await refusals(bff)).to.deep.equal(['use_dpop_nonce', 'use_dpop_nonce']);
    await expect((await acceptedProofs(bff)).at(-1)?.payload.nonce).to.equal(rotated.nonce);
  });

  it('signs again only once: a bff that keeps refusing the nonce is USE_DPOP_NONCE', async () => {
    const bff = stubBff('nonce-rotating');
    const { events } = await mount({ bff, session: 'sh-active' });
    expect(await events.wait('bank-connect-error')).to.include({
      code: 'USE_DPOP_NONCE',
      step: 'session',
    });
    await expect(await refusals(bff)).to.deep.equal(['use_dpop_nonce', 'use_dpop_nonce']);
  });
});

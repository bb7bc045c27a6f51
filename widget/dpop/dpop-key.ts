/**
 * The page's DPoP key (RFC 9449 §2): one ECDSA P-256 key pair per origin, made by Web Crypto as
 * non-extractable, so that script on the page can sign with it but nothing can read the private
 * key out of the browser. A session handle is bound to it when its flow completes; a handle
 * copied anywhere else opens nothing.
 *
 * The pair lives in IndexedDB (a `CryptoKey` is structured-cloneable, extractable or not), so that
 * every tab, every instance and every reload of the origin signs with the same key, under the
 * same thumbprint. Where IndexedDB is unavailable or fails (some private modes, a full quota), the
 * page keeps a key in memory for its life: a reload then means connecting the bank again.
 */

/** Where the key pair is kept, per origin. */
export const KEY_DATABASE = 'bank-connect';
export const KEY_STORE = 'keys';
export const KEY_NAME = 'dpop';

/** What every copy of the widget on a page shares: the key pair, and the BFFs' nonces. */
export interface DpopState {
  /** The key pair, once asked for: one promise, so that concurrent first calls share it. */
  key?: Promise<CryptoKeyPair>;
  /** The last `DPoP-Nonce` each BFF origin handed out (RFC 9449 §8). */
  nonces: Map<string, string>;
}

/*
 * On globalThis under a registered symbol, like the callback relay: the drop-in and an app's
 * bundle of the client on one page sign with one key, and learn each other's nonces.
 */
const STATE_KEY = Symbol.for('bank-connect.dpop.v1');

/** This page's DPoP state, created on first use. */
export function dpopState(): DpopState {
  const holder = globalThis as typeof globalThis & { [STATE_KEY]?: DpopState };
  holder[STATE_KEY] ??= { nonces: new Map() };
  return holder[STATE_KEY];
}

/** A new ES256 key pair (RFC 7518 §3.4), its private half not extractable. */
function generateKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
}

/** Settles with an IndexedDB request's result, or with a transaction's end. */
function settle<T>(target: IDBRequest<T> | IDBTransaction): Promise<T> {
  const request = target as IDBRequest<T> & IDBTransaction;
  return new Promise((resolve, reject) => {
    request.onsuccess = request.oncomplete = () => resolve(request.result);
    // An abort without an error (the page closing) rejects with null: the caller falls back anyway.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    request.onerror = request.onabort = () => reject(request.error);
  });
}

/**
 * Reads the origin's key pair from IndexedDB, storing a new one on first use. The read and the
 * write are one get-or-put in one read-write transaction, which IndexedDB runs alone: of two tabs
 * making their first key at once, both end up with the one stored first. The candidate key is
 * made beforehand, while the database opens (a transaction cannot wait for Web Crypto), and is
 * thrown away when a key is stored already.
 */
export async function readStoredKeyPair(): Promise<CryptoKeyPair> {
  const opening = indexedDB.open(KEY_DATABASE);
  opening.onupgradeneeded = () => opening.result.createObjectStore(KEY_STORE);
  const [database, created] = await Promise.all([settle(opening), generateKeyPair()]);
  const transaction = database.transaction(KEY_STORE, 'readwrite');
  const store = transaction.objectStore(KEY_STORE);
  const stored = store.get(KEY_NAME) as IDBRequest<CryptoKeyPair | undefined>;
  // In the request's own callback, while the transaction is still active.
  stored.onsuccess = () => stored.result ?? store.put(created, KEY_NAME);
  // The connection closes once its transaction ends.
  database.close();
  await settle(transaction);
  return stored.result ?? created;
}

/**
 * The key pair every proof of this page is signed with: IndexedDB's, or, where IndexedDB fails, one
 * kept in memory for the page's life.
 */
export function loadDpopKey(): Promise<CryptoKeyPair> {
  const state = dpopState();
  state.key ??= readStoredKeyPair().catch(generateKeyPair);
  return state.key;
}

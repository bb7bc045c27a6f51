/**
 * One bank's quirks, decided in one place. A `BankProfile` is built from the bank's registry entry
 * and is the only reader of its `profile`; everything else in the BFF asks it: how to sign, which
 * PSU headers to send, how to write amounts and date parameters, how to resolve its HAL links,
 * how long a transactions window may be, and what a token response means for the consent.
 *
 * **Adding a quirk** takes three things, together: a field in the registry's profile schema
 * (registry.ts, so a registry that states it is validated at start-up), its decision here (and
 * nowhere else), and a sandbox bank that has it (demo/sandbox/banks.ts), so the tests run against
 * it. A quirk that cannot be shown by a sandbox bank is a guess.
 *
 * **Reading stays tolerant.** What the bank *sends* is read the same way for every bank
 * (normalise.ts: amounts as strings or numbers, dates or date-times, both remittance shapes), not
 * by a declared STET version: the registry does not carry one, and a declared version would not
 * be trusted anyway, since real banks mix shapes (BPCE states 1.4.2, whose amounts are numbers, and
 * sends strings). The profile governs only what the BFF *writes*, where being strict is the point.
 */
import { BffError } from '../errors.js';
import type { Aspsp, BankProfileSettings } from '../registry.js';
import { formatAmountForBank } from './amounts.js';
import { addDays, countDays, splitDateRange, type DateRange } from './date-windows.js';
import { readApiLocation, resolveApiPath, resolveHalLink, type ApiLocation } from './hal-links.js';
import type { SignaturePolicy } from './http-signature.js';

/** When a bank does not say how long its access token lives. */
const DEFAULT_ACCESS_LIFETIME_S = 3_600;
const DAY_MS = 86_400_000;

/**
 * The customer's context, for a call they are present for (their page's request to the BFF):
 * what STET 1.4.0.47 calls the PSU context, each field the value of one `PSU-*` header. A call
 * without it is one the customer is not present for, which carries no PSU header at all.
 */
export interface PsuContext {
  /** `PSU-IP-Address`: the customer's address, behind the proxies BFF_TRUST_PROXY names. */
  ipAddress: string;
  /** `PSU-IP-Port`: their source port, known only when they reach the BFF with no proxy between. */
  ipPort?: number | undefined;
  /** `PSU-HTTP-Method` of their request. */
  httpMethod?: string | undefined;
  /** `PSU-Date`: when the BFF received it. */
  date?: string | undefined;
  /** `PSU-User-Agent`, `PSU-Referer`, `PSU-Accept…`: the headers their browser sent. */
  userAgent?: string | undefined;
  referer?: string | undefined;
  accept?: string | undefined;
  acceptCharset?: string | undefined;
  acceptEncoding?: string | undefined;
  acceptLanguage?: string | undefined;
}

/** Each context field's header (STET 1.4.0.47 Part I §3.4.1 and its parameters). */
const PSU_HEADERS: [keyof PsuContext, string][] = [
  ['ipAddress', 'PSU-IP-Address'],
  ['ipPort', 'PSU-IP-Port'],
  ['httpMethod', 'PSU-HTTP-Method'],
  ['date', 'PSU-Date'],
  ['userAgent', 'PSU-User-Agent'],
  ['referer', 'PSU-Referer'],
  ['accept', 'PSU-Accept'],
  ['acceptCharset', 'PSU-Accept-Charset'],
  ['acceptEncoding', 'PSU-Accept-Encoding'],
  ['acceptLanguage', 'PSU-Accept-Language'],
];

/** Longer than any real browser sends; a bank may refuse an over-long header outright. */
const MAX_PSU_HEADER_LENGTH = 512;

/** What the TPP can put in a signature's `keyId`. */
export interface SigningIdentity {
  clientId: string;
  qsealcUrl: string;
}

/** Dates requested for a transactions list, as the page asked them. */
export interface RequestedDates {
  dateFrom?: string | undefined;
  dateTo?: string | undefined;
}

export class BankProfile {
  /** The bank's id, named by the errors the profile raises. */
  readonly aspsp: string;
  /** RFC 9207: the bank sends `iss` in its authorization responses. */
  readonly issParameterSupported: boolean;
  /** The headers the bank wants signed (STET 1.4.0.47 Part I §3.5; bank variants in NOTES.md §4). */
  readonly signaturePolicy: SignaturePolicy;
  /** The longest `dateFrom`..`dateTo` span of one transactions request, or `null` for no cap. */
  readonly maxDateWindowDays: number | null;
  readonly #settings: BankProfileSettings;
  readonly #api: ApiLocation;

  constructor(aspsp: Aspsp) {
    const settings = aspsp.profile;
    this.aspsp = aspsp.id;
    this.#settings = settings;
    this.#api = readApiLocation(aspsp.apiBaseUrl);
    this.issParameterSupported = settings.issParameterSupported;
    this.signaturePolicy = settings.signature;
    this.maxDateWindowDays = settings.maxDateWindowDays;
  }

  /**
   * The signature's `keyId`: STET 1.4.0.47 asks for a URL where the bank fetches the QSealC; BPCE
   * looks the key up by the TPP's client_id instead.
   */
  chooseSigningKeyId(identity: SigningIdentity): string {
    return this.#settings.signature.keyId === 'client-id' ? identity.clientId : identity.qsealcUrl;
  }

  /** Whether the bank serves reads without the customer (La Banque Postale serves none). */
  get servesUnattendedReads(): boolean {
    return this.#settings.psuIpAddress !== 'required';
  }

  /**
   * The PSU context headers of a call (STET 1.4.0.47: "the PSU is connected" when they are sent).
   * With the customer present, every header the BFF knows is sent, at every bank; a bank that
   * requires one the BFF cannot know (`psuContextHeaders`) gets no call, and the page a
   * `bank_error` that names the header. Without the customer, none is sent: BPCE counts such a
   * call as a batch access (four a day), and La Banque Postale, which serves none, is not called.
   */
  writePsuHeaders(psu: PsuContext | undefined): Record<string, string> {
    if (!psu) {
      if (this.#settings.psuIpAddress === 'required') {
        throw new BffError(
          'bank_error',
          'this bank answers only calls the customer is present for',
          { aspsp: this.aspsp },
        );
      }
      return {};
    }
    const headers: Record<string, string> = {};
    for (const [field, name] of PSU_HEADERS) {
      const value = psu[field];
      if (value === undefined || value === '') continue;
      headers[name.toLowerCase()] = String(value).slice(0, MAX_PSU_HEADER_LENGTH);
    }
    const missing = this.#settings.psuContextHeaders.find(
      (name) => headers[name.toLowerCase()] === undefined,
    );
    if (missing) {
      throw new BffError(
        'bank_error',
        `the bank requires ${missing} of the customer, which this request does not give`,
        { aspsp: this.aspsp },
      );
    }
    return headers;
  }

  /**
   * A canonical amount as this bank wants it in a request body: a string for STET 1.4.0.47
   * banks, a JSON number from 1.4.2 on (`AmountType.amount`).
   *
   * @throws {RangeError} when the amount cannot be written exactly in that form.
   */
  writeAmount(amount: string): string | number {
    return formatAmountForBank(amount, this.#settings.amountFormat);
  }

  /**
   * A `dateFrom`/`dateTo` query value (STET 1.4.0.47 `GET /accounts/{id}/transactions`, `format:
   * date-time`) for the start of a calendar day.
   */
  writeDateParameter(date: string): string {
    return `${date}T00:00:00Z`;
  }

  /**
   * The windows a transactions request must be split into, newest first, or `undefined` when the
   * dates go to the bank as asked: no `dateFrom` (the bank's own default history), no cap at this
   * bank, or a range within it. A range without `dateTo` ends tomorrow, `today` being the Paris
   * date, so the windows end where the bank's "up to now" would.
   */
  planDateWindows(dates: RequestedDates, today: string): DateRange[] | undefined {
    const maxDays = this.maxDateWindowDays;
    if (!dates.dateFrom || maxDays === null) return undefined;
    const range = { dateFrom: dates.dateFrom, dateTo: dates.dateTo ?? addDays(today, 1) };
    if (range.dateTo <= range.dateFrom || countDays(range) <= maxDays) return undefined;
    return splitDateRange(range, maxDays);
  }

  /**
   * The URL of a bank `_links` href, in any of STET's forms (hal-links.ts).
   *
   * @throws `bank_error` for a link off the bank's API: it is never followed with the token.
   */
  resolveLink(href: string): URL {
    try {
      return resolveHalLink(this.#api, href);
    } catch (error) {
      throw new BffError(
        'bank_error',
        `the bank sent a link the BFF does not follow: ${(error as Error).message}`,
        {
          aspsp: this.aspsp,
          cause: error,
        },
      );
    }
  }

  /**
   * The URL of a path under the bank's API base (`/accounts`).
   *
   * @throws `invalid_request` when the path climbs with `..`: only the page's input (an account id)
   *   can bring one.
   */
  resolveApiPath(path: string): URL {
    try {
      return resolveApiPath(this.#api, path);
    } catch (error) {
      throw new BffError('invalid_request', 'a path segment cannot be ..', {
        aspsp: this.aspsp,
        cause: error,
      });
    }
  }

  /**
   * When the tokens of a code exchange expire: the access token after the bank's `expires_in`
   * (RFC 6749 §5.1; an hour when it does not say), and the consent when the refresh token does
   * (its lifetime at this bank), or with the access token at a bank that issues no refresh token
   * (La Banque Postale: the access token lives as long as the consent).
   */
  readTokenLifetimes(
    expiresIn: number | undefined,
    now: number,
  ): { accessExpiresAt: number; consentExpiresAt: number } {
    const accessExpiresAt = this.readAccessExpiry(expiresIn, now);
    const refresh = this.#settings.refreshToken;
    return {
      accessExpiresAt,
      consentExpiresAt: refresh ? now + refresh.lifetimeDays * DAY_MS : accessExpiresAt,
    };
  }

  /** When a newly issued access token expires (RFC 6749 §5.1 `expires_in`). */
  readAccessExpiry(expiresIn: number | undefined, now: number): number {
    return now + (expiresIn ?? DEFAULT_ACCESS_LIFETIME_S) * 1000;
  }

  /**
   * The refresh token to keep after a refresh (RFC 6749 §6): the new one when the bank issued
   * one, else the one the session had. Every bank is treated as possibly rotating, whatever its
   * `refreshToken.rotation` says (the session service refreshes single-flight and stores the new
   * token before using the new access token): a bank that rotates without saying so would
   * otherwise end the consent on the second use of an old token.
   */
  chooseRefreshToken(current: string | undefined, issued: string | undefined): string | undefined {
    return issued ?? current;
  }
}

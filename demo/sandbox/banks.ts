/**
 * The fictional French banks of the sandbox, each with the quirks of a family of real STET
 * ASPSPs (see shared/stet/NOTES.md §6), so that a client which copes with all of them copes with
 * BPCE, BNP Paribas, La Banque Postale and Crédit Mutuel-CIC.
 */
import type { BankIdentity } from './data/types.js';
import type { LinkStyle } from './stet/links.js';
import type { PsuContextProfile } from './stet/psu-context.js';

/** The quirks that distinguish one STET implementation from another. */
export interface BankProfile {
  /**
   * The STET version whose JSON the bank follows. 1.4.0.47 sends amounts as strings,
   * `remittanceInformation` as an array and dates as `date`; from 1.4.2 on (checked here against
   * the 1.5.0.43 definitions) amounts are numbers, remittance is `{ unstructured: [] }` and dates
   * are `date-time`.
   */
  stetVersion: '1.4.0.47' | '1.5.0.43';
  /** What the bank expects in the draft-cavage `Signature` of every API request. */
  signature: {
    /** `qsealc-url`: the URL of the TPP's QSealC (the spec's wish); `client-id`: BPCE's way. */
    keyId: 'qsealc-url' | 'client-id';
    /** Headers that must be signed on every request, lower-case. */
    headers: string[];
    /** Headers that must also be signed when the request has a body. */
    bodyHeaders: string[];
    /** BPCE computes and signs `Digest` even for a GET with no body. */
    digestOnEveryRequest: boolean;
  };
  /** Transactions per page, or `null` when everything comes in one page (BNP, Boursorama). */
  pageSize: number | null;
  /** Largest `dateFrom`..`dateTo` window one request may ask for (BNP: three months). */
  maxDateWindowDays: number | null;
  /** Whether `GET /accounts` embeds balances (BNP's does not). */
  balancesInAccountList: boolean;
  accessTokenLifetimeSeconds: number;
  /** `null`: no refresh token is issued and the access token lives as long as the consent. */
  refreshToken: { lifetimeDays: number; rotation: boolean } | null;
  /** Whether the authorization response carries `iss` (RFC 9207). */
  issInAuthorizationResponse: boolean;
  /** `bare`: a 401 with an ErrorModel only; `www-authenticate`: RFC 6750 §3 challenge too. */
  unauthorizedResponse: 'bare' | 'www-authenticate';
  pkce: 'required' | 'optional';
  /**
   * `required`: every call must carry `PSU-IP-Address`, so none can be unattended (La Banque
   * Postale). `batch-limited`: the address must come when the customer is present; a call without
   * it is a batch access (BPCE). `optional`: the bank does not ask for the address (BNP Paribas).
   * Wherever a call may come without it, unattended calls are limited to four a day per consent
   * and resource (PSD2 RTS art. 36(5), `stet/unattended-access.ts`).
   */
  psuIpAddress: 'required' | 'batch-limited' | 'optional';
  /**
   * The PSU headers a call made while the customer is present must carry, and whether the whole
   * list is enforced yet (`stet/psu-context.ts`).
   */
  psuContext: PsuContextProfile;
  /** Whether `PUT /consents` exists (BNP's full-AISP model has none). */
  consentsEndpoint: boolean;
  /** Whether the bank offers RFC 7009 token revocation at `/<bank>/revoke`. */
  revocationEndpoint: boolean;
  /** How the `href` of every HAL link is written (see `stet/links.ts`). */
  linkStyle: LinkStyle;
  /**
   * The status of an API call whose access token is bound to another client certificate
   * (RFC 8705 §3): `401` with the bank's usual 401 (bare or RFC 6750 challenge), or a bare `403`,
   * as several real banks answer.
   */
  certificateMismatchStatus: 401 | 403;
}

export interface BankDefinition extends BankIdentity {
  name: string;
  /**
   * Brand colours for the consent pages and the picker: `ink` is the brand colour dark enough
   * for text on white (WCAG AA), which `primary` is not always.
   */
  colours: { primary: string; onPrimary: string; accent: string; surface: string; ink: string };
  /** The bank's logo, a small square SVG. */
  logoSvg: string;
  profile: BankProfile;
}

function drawLogo(initials: string, background: string, foreground: string, shape: string) {
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img">',
    `<rect width="64" height="64" rx="14" fill="${background}"/>`,
    shape,
    `<text x="32" y="41" font-family="Helvetica,Arial,sans-serif" font-size="22" font-weight="700"`,
    ` text-anchor="middle" fill="${foreground}">${initials}</text>`,
    '</svg>',
  ].join('');
}

export const SANDBOX_BANKS: readonly BankDefinition[] = [
  {
    id: 'azur',
    name: 'Banque Azur',
    bic: 'AZURFRPPXXX',
    bankCode: '14520',
    branchCode: '00310',
    brand: 'Azur',
    colours: {
      primary: '#0b3d91',
      onPrimary: '#ffffff',
      accent: '#1fb5c9',
      surface: '#f3f7fc',
      ink: '#0b3d91',
    },
    logoSvg: drawLogo(
      'BA',
      '#0b3d91',
      '#ffffff',
      '<path d="M0 46 Q16 38 32 46 T64 46 V64 H0Z" fill="#1fb5c9"/>',
    ),
    // BPCE: keyId is the client_id, Digest on every request, batch access limited, bare 401s.
    profile: {
      stetVersion: '1.4.0.47',
      signature: {
        keyId: 'client-id',
        headers: ['(request-target)', 'date', 'digest', 'x-request-id'],
        bodyHeaders: [],
        digestOnEveryRequest: true,
      },
      pageSize: 50,
      maxDateWindowDays: null,
      balancesInAccountList: false,
      accessTokenLifetimeSeconds: 300,
      refreshToken: { lifetimeDays: 90, rotation: true },
      issInAuthorizationResponse: true,
      unauthorizedResponse: 'bare',
      pkce: 'required',
      psuIpAddress: 'batch-limited',
      psuContext: { requiredWhenPresent: ['PSU-IP-Address'], enforced: true },
      consentsEndpoint: true,
      revocationEndpoint: false,
      linkStyle: 'absolute-path',
      certificateMismatchStatus: 401,
    },
  },
  {
    id: 'bocage',
    name: 'Crédit du Bocage',
    bic: 'BOCAFRP1XXX',
    bankCode: '16830',
    branchCode: '00045',
    brand: 'Bocage',
    colours: {
      primary: '#1d6b3a',
      onPrimary: '#ffffff',
      accent: '#9ccc65',
      surface: '#f4f9f2',
      ink: '#1d6b3a',
    },
    logoSvg: drawLogo('CB', '#1d6b3a', '#ffffff', '<circle cx="50" cy="14" r="9" fill="#9ccc65"/>'),
    // BNP Paribas: STET 1.4.2+ shapes, no pagination, three-month windows, no PUT /consents,
    // 180-day refresh tokens that are not rotated, no `iss`, PKCE optional.
    profile: {
      stetVersion: '1.5.0.43',
      signature: {
        keyId: 'qsealc-url',
        headers: ['(request-target)', 'date', 'x-request-id'],
        bodyHeaders: ['content-type', 'digest'],
        digestOnEveryRequest: false,
      },
      pageSize: null,
      maxDateWindowDays: 93,
      balancesInAccountList: false,
      accessTokenLifetimeSeconds: 3600,
      refreshToken: { lifetimeDays: 180, rotation: false },
      issInAuthorizationResponse: false,
      unauthorizedResponse: 'www-authenticate',
      pkce: 'optional',
      psuIpAddress: 'optional',
      psuContext: { requiredWhenPresent: [], enforced: true },
      consentsEndpoint: false,
      revocationEndpoint: false,
      linkStyle: 'absolute-path',
      certificateMismatchStatus: 403,
    },
  },
  {
    id: 'lumiere',
    name: 'Caisse Lumière',
    bic: 'LUMIFRPPXXX',
    bankCode: '18790',
    branchCode: '00120',
    brand: 'Lumière',
    colours: {
      primary: '#f2b705',
      onPrimary: '#1a1a1a',
      accent: '#d9480f',
      surface: '#fffaf0',
      ink: '#7a4f00',
    },
    logoSvg: drawLogo(
      'CL',
      '#f2b705',
      '#1a1a1a',
      '<circle cx="32" cy="30" r="24" fill="none" stroke="#d9480f" stroke-width="3"/>',
    ),
    // La Banque Postale: no refresh token, the access token lasts as long as the consent,
    // PSU-IP-Address always required, revocation offered; HAL links written as the 1.4.0.47
    // definitions write them, relative to the API's /v1 base path (`v1/accounts?page=2`).
    profile: {
      stetVersion: '1.4.0.47',
      signature: {
        keyId: 'qsealc-url',
        headers: ['(request-target)', 'date', 'x-request-id'],
        bodyHeaders: ['content-type', 'content-length', 'digest'],
        digestOnEveryRequest: false,
      },
      pageSize: 25,
      maxDateWindowDays: null,
      balancesInAccountList: true,
      accessTokenLifetimeSeconds: 180 * 86_400,
      refreshToken: null,
      issInAuthorizationResponse: true,
      unauthorizedResponse: 'bare',
      pkce: 'required',
      psuIpAddress: 'required',
      psuContext: {
        requiredWhenPresent: [
          'PSU-IP-Address',
          'PSU-IP-Port',
          'PSU-User-Agent',
          'PSU-Accept-Language',
        ],
        enforced: true,
      },
      consentsEndpoint: true,
      revocationEndpoint: true,
      linkStyle: 'spec-relative',
      certificateMismatchStatus: 401,
    },
  },
  {
    id: 'mistral',
    name: 'Société Mistral Banque',
    bic: 'MISTFRPPXXX',
    bankCode: '19870',
    branchCode: '00730',
    brand: 'Mistral',
    colours: {
      primary: '#5b2a86',
      onPrimary: '#ffffff',
      accent: '#f06595',
      surface: '#f8f4fc',
      ink: '#5b2a86',
    },
    logoSvg: drawLogo(
      'SM',
      '#5b2a86',
      '#ffffff',
      '<path d="M8 16 H44 M14 24 H56" stroke="#f06595" stroke-width="4" stroke-linecap="round"/>',
    ),
    // Crédit Mutuel-CIC: signs Host, 1.4.2+ shapes, small pages, rotating 180-day refresh tokens,
    // RFC 6750 challenges on 401, absolute URLs in its HAL links.
    profile: {
      stetVersion: '1.5.0.43',
      signature: {
        keyId: 'qsealc-url',
        headers: ['(request-target)', 'host', 'date', 'x-request-id'],
        bodyHeaders: ['content-type', 'digest'],
        digestOnEveryRequest: false,
      },
      pageSize: 20,
      maxDateWindowDays: null,
      balancesInAccountList: true,
      accessTokenLifetimeSeconds: 900,
      refreshToken: { lifetimeDays: 180, rotation: true },
      issInAuthorizationResponse: true,
      unauthorizedResponse: 'www-authenticate',
      pkce: 'required',
      psuIpAddress: 'optional',
      psuContext: {
        requiredWhenPresent: ['PSU-IP-Address', 'PSU-User-Agent'],
        enforced: true,
      },
      consentsEndpoint: true,
      revocationEndpoint: true,
      linkStyle: 'absolute-url',
      certificateMismatchStatus: 401,
    },
  },
];

/** Finds a sandbox bank by id. */
export function findBank(id: string): BankDefinition | undefined {
  return SANDBOX_BANKS.find((bank) => bank.id === id);
}

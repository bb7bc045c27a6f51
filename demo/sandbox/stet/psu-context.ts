/**
 * The PSU context headers of STET 1.4.0.47 (`PSU-IP-Address` … `PSU-Device-ID`, on every AISP and
 * CBPII operation) and what they tell a bank: a call carrying `PSU-IP-Address` is made while the
 * customer is present; a call with no PSU header at all is an unattended (batch) access (BPCE: the
 * address is "obligatoire si le client est connecté ou non renseignée en cas d'accès batch").
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { StetError } from './errors.js';

/** The PSU headers STET 1.4.0.47 defines, in its order and spelling. */
export const PSU_HEADERS = [
  'PSU-IP-Address',
  'PSU-IP-Port',
  'PSU-HTTP-Method',
  'PSU-Date',
  'PSU-GEO-Location',
  'PSU-User-Agent',
  'PSU-Referer',
  'PSU-Accept',
  'PSU-Accept-Charset',
  'PSU-Accept-Encoding',
  'PSU-Accept-Language',
  'PSU-Device-ID',
] as const;

export type PsuHeader = (typeof PSU_HEADERS)[number];

/** What a bank asks of the PSU headers of a call made while the customer is present. */
export interface PsuContextProfile {
  /** The headers such a call must carry (`PSU-IP-Address` is what makes it such a call). */
  requiredWhenPresent: PsuHeader[];
  /**
   * `false` checks only `PSU-IP-Address` of the list: a transition setting for as long as the TPP
   * under test sends no other PSU header. `true` refuses a call missing any header of the list.
   */
  enforced: boolean;
}

/** `present`: the customer is using the TPP now; `unattended`: a batch access. */
export type Presence = 'present' | 'unattended';

const BY_LOWER_CASE = new Map<string, PsuHeader>(
  PSU_HEADERS.map((name) => [name.toLowerCase(), name]),
);
const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']);
const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const GEO = /^GEO:(-?\d{1,2}(?:\.\d{1,10})?)[;,](-?\d{1,3}(?:\.\d{1,10})?)$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Why `value` is not a valid `name`, or `undefined` when it is. The 1.4.0.47 definitions type every
 * PSU header as a plain string; the formats checked are those the spec's descriptions name (an IP
 * address, an IP port, an HTTP method, a timestamp, a UUID for the device) and, for the location,
 * the `GEO:<latitude>;<longitude>` form of RFC 2426 §3.4.2 that PSD2 APIs use.
 */
function checkPsuHeader(name: PsuHeader, value: string): string | undefined {
  if (value.trim() === '') return `${name} is empty`;
  switch (name) {
    case 'PSU-IP-Address':
      return isIP(value) === 0 ? 'PSU-IP-Address is not an IP address' : undefined;
    case 'PSU-IP-Port': {
      const port = /^\d{1,5}$/.test(value) ? Number(value) : 0;
      return port < 1 || port > 65_535
        ? 'PSU-IP-Port must be a port number, 1 to 65535'
        : undefined;
    }
    case 'PSU-HTTP-Method':
      return HTTP_METHODS.has(value) ? undefined : 'PSU-HTTP-Method must be an HTTP method';
    case 'PSU-Date':
      return (IMF_FIXDATE.test(value) || RFC3339.test(value)) && !Number.isNaN(Date.parse(value))
        ? undefined
        : 'PSU-Date must be an HTTP date or an ISO 8601 date-time';
    case 'PSU-GEO-Location': {
      const [, latitude, longitude] = GEO.exec(value) ?? [];
      return latitude !== undefined &&
        longitude !== undefined &&
        Math.abs(Number(latitude)) <= 90 &&
        Math.abs(Number(longitude)) <= 180
        ? undefined
        : 'PSU-GEO-Location must be GEO:<latitude>;<longitude> in degrees';
    }
    case 'PSU-Device-ID':
      return UUID.test(value) ? undefined : 'PSU-Device-ID must be a UUID';
    default:
      return undefined;
  }
}

/**
 * Reads the PSU headers of a call and tells whether the customer is present, refusing with 400 a
 * header STET does not define, a malformed value, and a present call that lacks a header the bank
 * requires. `psuIpAddress: 'required'` refuses unattended calls too (La Banque Postale).
 */
export function readPresence(
  headers: IncomingHttpHeaders,
  profile: {
    psuIpAddress: 'required' | 'batch-limited' | 'optional';
    psuContext: PsuContextProfile;
  },
): Presence {
  const sent = new Set<PsuHeader>();
  for (const [lowerCase, value] of Object.entries(headers)) {
    if (!lowerCase.startsWith('psu-')) continue;
    const name = BY_LOWER_CASE.get(lowerCase);
    if (!name) throw new StetError(400, `${lowerCase} is not a PSU header of STET`);
    const problem = checkPsuHeader(name, Array.isArray(value) ? value.join(', ') : (value ?? ''));
    if (problem) throw new StetError(400, problem);
    sent.add(name);
  }
  if (sent.size === 0) {
    if (profile.psuIpAddress === 'required') throw new StetError(400, 'PSU-IP-Address is required');
    return 'unattended';
  }
  if (!sent.has('PSU-IP-Address')) {
    throw new StetError(400, 'PSU-IP-Address is required when other PSU-* headers are sent');
  }
  if (profile.psuContext.enforced) {
    for (const name of profile.psuContext.requiredWhenPresent) {
      if (!sent.has(name)) {
        throw new StetError(400, `${name} is required when the customer is present`);
      }
    }
  }
  return 'present';
}

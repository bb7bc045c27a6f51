/**
 * The bank registry: every ASPSP the BFF can connect to, with its endpoints, the CA to trust, and
 * the profile of quirks the STET client adapts to. Adding a STET bank is a registry entry, not
 * code. Only stet/bank-profile.ts reads a profile: a new quirk is a field of `bankProfileSchema`,
 * its decision there, and a sandbox bank that has it. The sandbox banks' registry document is generated on the sandbox's side
 * (demo/sandbox/registry-document.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { BIC_PATTERN } from './contract/schemas.js';

const scopeSchema = z.enum(['aisp', 'cbpii', 'extended_transaction_history']);
const headerName = z
  .string()
  .regex(/^(\(request-target\)|[a-z0-9-]+)$/, 'signed header names are lower-case');

export const bankProfileSchema = z
  .object({
    signature: z
      .object({
        /** What goes in the signature's keyId: the QSealC URL (STET's wish) or the client_id (BPCE). */
        keyId: z.enum(['qsealc-url', 'client-id']),
        headers: z.array(headerName).min(1),
        bodyHeaders: z.array(headerName),
        digestOnEveryRequest: z.boolean(),
      })
      .strict(),
    /** How the bank writes amounts in request bodies (funds confirmations). */
    amountFormat: z.enum(['string', 'number']),
    /** Longest `dateFrom`..`dateTo` window per transactions request, when the bank caps it. */
    maxDateWindowDays: z.number().int().positive().nullable(),
    refreshToken: z
      .object({ lifetimeDays: z.number().int().positive(), rotation: z.boolean() })
      .strict()
      .nullable(),
    /** RFC 9207: the bank sends `iss` in authorization responses. */
    issParameterSupported: z.boolean(),
    /** Whether the bank requires `PSU-IP-Address` (BPCE: a call without it is a batch access). */
    psuIpAddress: z.enum(['required', 'batch-limited', 'optional']),
    /**
     * The PSU context headers the bank requires when the customer is present (STET 1.4.0.47
     * defines twelve); a call that cannot give them is refused before the bank is called.
     */
    psuContextHeaders: z
      .array(z.string().regex(/^PSU-[A-Za-z-]+$/, 'PSU header names, e.g. PSU-IP-Port'))
      .default([]),
  })
  .strict();

/** A bank's quirks as its registry entry states them; stet/bank-profile.ts alone reads them. */
export type BankProfileSettings = z.infer<typeof bankProfileSchema>;

const httpsUrl = z.url({ protocol: /^https$/ });
const pageUrl = z.url({ protocol: /^https?$/ });

export const aspspSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'ids are lower-case letters, digits and dashes'),
    name: z.string().min(1).max(100),
    bic: z.string().regex(BIC_PATTERN),
    country: z.string().regex(/^[A-Z]{2}$/),
    logoUrl: pageUrl,
    colour: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/)
      .optional(),
    issuer: z.url(),
    /** Where the customer's browser goes: https in production; http is accepted for localhost. */
    authorizationEndpoint: pageUrl,
    tokenEndpoint: httpsUrl,
    revocationEndpoint: httpsUrl.optional(),
    apiBaseUrl: httpsUrl,
    /** PEM file of the CA that signs the bank's TLS certificate; the system CAs when absent. */
    caFile: z.string().min(1).optional(),
    scopes: z.array(scopeSchema).min(1),
    /** How long a consent lasts at this bank, in days, as its consent page tells the customer. */
    consentDays: z.number().int().positive().max(730).optional(),
    profile: bankProfileSchema,
  })
  .strict();

export type Aspsp = z.infer<typeof aspspSchema> & { ca?: string };

export const registrySchema = z
  .object({ aspsps: z.array(aspspSchema).min(1) })
  .strict()
  .refine(
    (registry) => new Set(registry.aspsps.map((aspsp) => aspsp.id)).size === registry.aspsps.length,
    'aspsp ids must be unique',
  );

export type Registry = ReadonlyMap<string, Aspsp>;

/** Parses a registry document, reading each CA file relative to `baseDir`. */
export function parseRegistry(document: unknown, baseDir: string): Registry {
  const parsed = registrySchema.parse(document);
  return new Map(
    parsed.aspsps.map((aspsp) => {
      const ca = aspsp.caFile
        ? readFileSync(path.resolve(baseDir, aspsp.caFile), 'utf8')
        : undefined;
      return [aspsp.id, { ...aspsp, ...(ca ? { ca } : {}) }];
    }),
  );
}

/** Loads and validates the registry file; errors name the file and the offending field. */
export function loadRegistry(file: string): Registry {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`bank registry ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return parseRegistry(document, path.dirname(file));
  } catch (error) {
    if (error instanceof z.ZodError) {
      throw new Error(`bank registry ${file}: ${z.prettifyError(error)}`, { cause: error });
    }
    throw new Error(`bank registry ${file}: ${(error as Error).message}`, { cause: error });
  }
}

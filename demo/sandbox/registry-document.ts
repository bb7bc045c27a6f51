/**
 * The BFF's bank registry document for the sandbox banks, built from their `GET /banks`. The
 * sandbox knows its banks; the BFF knows only registry documents (backend-for-frontend/registry.ts),
 * so the translation from one to the other lives here, beside the banks it describes.
 */
import type { z } from 'zod';
import type { aspspSchema } from '../../backend-for-frontend/registry.js';
import type { describeBank } from './sandbox.js';

/** The JSON of the sandbox's `GET /banks`. */
export interface SandboxDirectory {
  banks: ReturnType<typeof describeBank>[];
}

type AspspDocument = z.input<typeof aspspSchema>;

/** Builds a registry document from the sandbox's `GET /banks`, trusting `caFile` for all. */
export function buildRegistryFromSandbox(
  directory: SandboxDirectory,
  caFile: string,
): { aspsps: AspspDocument[] } {
  return {
    aspsps: directory.banks.map((bank) => ({
      id: bank.id,
      name: bank.name,
      bic: bank.bic,
      country: bank.country,
      logoUrl: bank.logo,
      ...(bank.colours.primary ? { colour: bank.colours.primary } : {}),
      issuer: bank.issuer,
      authorizationEndpoint: bank.authorizationEndpoint,
      tokenEndpoint: bank.tokenEndpoint,
      ...(bank.revocationEndpoint ? { revocationEndpoint: bank.revocationEndpoint } : {}),
      apiBaseUrl: bank.apiBaseUrl,
      caFile,
      scopes: bank.scopes as AspspDocument['scopes'],
      consentDays:
        bank.profile.refreshToken?.lifetimeDays ??
        Math.round(bank.profile.accessTokenLifetimeSeconds / 86_400),
      profile: {
        signature: bank.profile.signature,
        amountFormat: bank.profile.stetVersion.startsWith('1.4.0') ? 'string' : 'number',
        maxDateWindowDays: bank.profile.maxDateWindowDays,
        refreshToken: bank.profile.refreshToken,
        issParameterSupported: bank.profile.issInAuthorizationResponse,
        psuIpAddress: bank.profile.psuIpAddress,
        psuContextHeaders: bank.profile.psuContext.requiredWhenPresent,
      },
    })),
  };
}

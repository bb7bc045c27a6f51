/**
 * Structured logs (pino) that never carry a secret: authorization headers, cookies, verifiers,
 * states, tokens, handles and keys are redacted by their exact paths, and request URLs are logged
 * without their query string (the callback's carries the authorization code, which no log object
 * holds). `code` is never redacted: in a log line it is always an error code, the field operators
 * search for.
 */
import { pino, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.cookie',
  '*.codeVerifier',
  '*.code_verifier',
  '*.state',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.refresh_token',
  '*.sessionHandle',
  '*.handle',
  '*.key',
  '*.privateKey',
  '*.tokens',
  'codeVerifier',
  'state',
  'accessToken',
  'refreshToken',
  'sessionHandle',
  'handle',
];

export function createLogger(
  options: { level?: string; destination?: NodeJS.WritableStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'bank-connect-bff' },
      // Error causes can quote bank responses; log only their kind.
      serializers: {
        err: (error: Error & { code?: unknown }) => ({
          type: error.name,
          message: error.message,
          code: error.code,
        }),
      },
    },
    options.destination as pino.DestinationStream | undefined,
  );
}

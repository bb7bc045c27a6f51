/** STET's error body (`ErrorModel`, 1.4.0.47 definitions): Spring-style, not RFC 7807. */
import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';

/** A refusal of an API request, answered as an ErrorModel. */
export class StetError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra headers, such as `WWW-Authenticate` or `Retry-After`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function clip(text: string): string {
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

/** Sends an ErrorModel (`status` and `message` required, every string at most 140 characters). */
export function sendStetError(res: Response, path: string, error: StetError): void {
  res.set(error.headers);
  res
    .status(error.status)
    .type('application/json; charset=utf-8')
    .send(
      JSON.stringify({
        timestamp: new Date().toISOString(),
        status: error.status,
        error: STATUS_CODES[error.status] ?? 'Error',
        message: clip(error.message),
        path: clip(path),
      }),
    );
}

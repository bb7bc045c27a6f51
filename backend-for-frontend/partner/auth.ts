/**
 * The partner-server API's door: a partner API key in `Authorization: Bearer`, and no browser.
 * A request with an `Origin` is refused, so a key that leaked into a page is useless there, and
 * a session handle is refused, so a page's credential cannot reach the partner's routes. Every
 * refusal is the same 401 `api_key_required`, whichever keys exist; the log names the key that
 * was used, never the key itself.
 */
import type { RequestHandler } from 'express';
import { BffError } from '../errors.js';
import { findPartnerKey, looksLikePartnerKey, type PartnerKey } from './keys.js';

export function requirePartnerKey(keys: readonly PartnerKey[]): RequestHandler {
  return (req, res, next) => {
    if (req.get('origin') !== undefined) {
      return next(
        new BffError(
          'origin_not_allowed',
          'the partner-server API takes no browser call: call it from the partner’s server',
        ),
      );
    }
    const match = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
    const presented = match?.[1];
    const key =
      presented && looksLikePartnerKey(presented) ? findPartnerKey(presented, keys) : undefined;
    if (!key) {
      res.set('WWW-Authenticate', 'Bearer realm="bank-connect partner", error="invalid_token"');
      return next(
        new BffError(
          'api_key_required',
          'send a valid partner API key as Authorization: Bearer bcp_…',
        ),
      );
    }
    res.locals.partnerKey = key.name;
    next();
  };
}

/** Validates request bodies with zod; the first problem becomes an `invalid_request` naming the field. */
import type { z } from 'zod';
import { invalidRequest } from '../errors.js';

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('the body must be a JSON object');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') || 'body';
  if (issue?.code === 'unrecognized_keys') {
    throw invalidRequest(`unknown field ${issue.keys.join(', ')}`);
  }
  if (issue?.code === 'invalid_type' && issue.input === undefined)
    throw invalidRequest(`${field} is required`);
  throw invalidRequest(`${field}: ${issue?.message ?? 'invalid'}`);
}

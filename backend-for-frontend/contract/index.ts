/**
 * The contract between the page and the BFF, in one module that imports nothing but zod: the
 * schemas and the types inferred from them, the error table, the operations table and the
 * OpenAPI document built from them. Browser code imports its types only (`import type`), which
 * costs no byte; the BFF imports the schemas to validate what it receives.
 */
export * from './schemas.js';
export { ERRORS, ERROR_CODES, type ErrorCode } from './errors.js';
export {
  API_VERSION,
  OPERATIONS,
  listOperationErrors,
  type Operation,
  type OperationId,
} from './operations.js';
export { buildOpenApiDocument } from './openapi.js';
export {
  WEBHOOK_EVENTS,
  WEBHOOK_EVENT_TYPES,
  webhookEventIdSchema,
  webhookEventSchema,
  type WebhookEvent,
  type WebhookEventData,
  type WebhookEventType,
} from './webhooks.js';

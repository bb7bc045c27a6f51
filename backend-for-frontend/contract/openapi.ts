/**
 * Builds the OpenAPI 3.1 document of the BFF from the operations table and the schemas: nothing in
 * it is written by hand but the prose. Request bodies and parameters are JSON Schema of what the
 * BFF accepts (zod's input side), answers of what it sends (the output side); OpenAPI 3.1 uses
 * JSON Schema 2020-12, which `z.toJSONSchema` writes.
 */
import { z } from 'zod';
import { ERRORS, type ErrorCode } from './errors.js';
import { listOperationErrors, OPERATIONS, type Operation } from './operations.js';
import { apiErrorSchema } from './schemas.js';

type JsonSchema = Record<string, unknown>;

const COMPONENT = '#/components/schemas/';

/**
 * Writes zod schemas as JSON Schema, gathering every named schema (`.meta({ id })`) they reach
 * into `components`: zod puts them in `$defs`, which OpenAPI keeps under `components.schemas`.
 */
class SchemaWriter {
  readonly components: Record<string, JsonSchema> = {};

  write(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const written = z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
    };
    const { $defs: defs, ...top } = written;
    delete top.$schema;
    for (const [id, definition] of Object.entries(defs ?? {})) {
      const component = relocate(definition);
      const known = this.components[id];
      if (known && JSON.stringify(known) !== JSON.stringify(component)) {
        throw new Error(`schema ${id} reads differently in requests and in answers`);
      }
      this.components[id] = component;
    }
    return relocate(top);
  }
}

/** Points zod's `#/$defs/…` references at the document's components. */
function relocate(schema: JsonSchema): JsonSchema {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/$defs/', `"${COMPONENT}`)) as JsonSchema;
}

function listParameters(writer: SchemaWriter, operation: Operation): JsonSchema[] {
  const parameters: JsonSchema[] = [];
  for (const [where, object] of [
    ['path', operation.params],
    ['query', operation.query],
  ] as const) {
    const fields: Record<string, z.ZodType> = object?.shape ?? {};
    for (const [name, field] of Object.entries(fields)) {
      const optional = field.safeParse(undefined).success;
      const description = z.globalRegistry.get(field)?.description;
      parameters.push({
        name,
        in: where,
        required: !optional,
        ...(description ? { description } : {}),
        schema: writer.write(
          optional ? ((field as z.ZodOptional).unwrap() as z.ZodType) : field,
          'input',
        ),
      });
    }
  }
  if (operation.access !== 'public' && operation.access !== 'partner') {
    parameters.push({
      name: 'X-Bank-Connect',
      in: 'header',
      required: true,
      description: 'The static CSRF header: it forces a CORS preflight that the allowlist decides.',
      schema: { const: '1' },
    });
  }
  return parameters;
}

function describeErrors(codes: ErrorCode[]): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const { status } = ERRORS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        {
          description: list.map((code) => `\`${code}\``).join(', '),
          content: { 'application/json': { schema: { $ref: `${COMPONENT}ApiError` } } },
        },
      ]),
  );
}

function describeOperation(writer: SchemaWriter, id: string, operation: Operation): JsonSchema {
  const { success } = operation;
  const responses: Record<string, JsonSchema> = {
    [String(success.status)]: {
      description: success.description,
      ...(success.schema
        ? { content: { 'application/json': { schema: writer.write(success.schema, 'output') } } }
        : success.mediaType
          ? { content: { [success.mediaType]: {} } }
          : {}),
    },
  };
  for (const [status, other] of Object.entries(operation.otherResponses ?? {})) {
    responses[status] = {
      description: other.description,
      ...(other.mediaType ? { content: { [other.mediaType]: {} } } : {}),
    };
  }
  for (const [status, errors] of Object.entries(describeErrors(listOperationErrors(operation)))) {
    responses[status] ??= errors;
  }
  const parameters = listParameters(writer, operation);
  const security =
    operation.access === 'session'
      ? [{ sessionHandle: [] }, { sessionCookie: [] }]
      : operation.access === 'browser-or-session'
        ? [{}, { sessionHandle: [] }, { sessionCookie: [] }]
        : operation.access === 'partner'
          ? [{ partnerKey: [] }]
          : [];
  return {
    operationId: id,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: writer.write(operation.body, 'input') } },
          },
        }
      : {}),
    security,
    responses,
  };
}

/** The whole document, as `GET /v1/openapi.json` serves it. */
export function buildOpenApiDocument(version: string): JsonSchema {
  const writer = new SchemaWriter();
  writer.write(apiErrorSchema, 'output');
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const [id, operation] of Object.entries(OPERATIONS) as [string, Operation][]) {
    (paths[operation.path] ??= {})[operation.method] = describeOperation(writer, id, operation);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'bank-connect backend-for-frontend',
      version,
      description:
        'The API the <bank-connect> element and partner pages call. It never answers a bank token: sessions are opaque handles. Every call but the public ones and the partner server’s comes from an allowed Origin and carries `X-Bank-Connect: 1`; the partner-server API (`/partner/v1`) takes a partner API key and no browser call. Every error is an `ApiError` with a stable code; `retryable` says whether trying again may succeed unchanged.',
    },
    components: {
      securitySchemes: {
        sessionHandle: {
          type: 'http',
          scheme: 'DPoP',
          description:
            'The session handle that POST /v1/flows/{flowId}/complete answered, sent as ' +
            '`Authorization: DPoP <handle>` with a `DPoP` proof (RFC 9449, ES256) signed by the ' +
            "key the handle is bound to, and `ath` = the handle's SHA-256. `Bearer` is accepted " +
            'only for unbound handles, when BFF_ALLOW_BEARER_HANDLES is set.',
        },
        partnerKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A partner API key (`bcp_…`), for the partner’s server only: `/partner/v1` refuses a session handle and any request with an `Origin`, and the browser routes refuse the key.',
        },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: '__Host-bank-connect-session',
          description:
            'The same handle as an HttpOnly cookie, in cookie mode (same-site deployments).',
        },
      },
      schemas: Object.fromEntries(
        Object.entries(writer.components).sort(([a], [b]) => a.localeCompare(b)),
      ),
    },
    paths,
  };
}

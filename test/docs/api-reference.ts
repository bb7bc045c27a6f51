/**
 * Renders `docs/api.md`, the HTTP API reference, from the OpenAPI document the BFF serves (itself
 * generated from the contract): one section per operation, and the error table. `npm run
 * docs:api` writes it; test/docs/bff-docs.test.ts fails when the file is stale.
 */
import { realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import {
  API_VERSION,
  buildOpenApiDocument,
  ERRORS,
} from '../../backend-for-frontend/contract/index.js';

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  description?: string;
  schema: { type?: string; format?: string; pattern?: string };
}
interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  security: Record<string, string[]>[];
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema?: { $ref?: string } }> }
  >;
}

export const API_REFERENCE = fileURLToPath(new URL('../../docs/api.md', import.meta.url));

function schemaName(schema: { $ref?: string } | undefined): string {
  return schema?.$ref ? `\`${schema.$ref.replace('#/components/schemas/', '')}\`` : '';
}

function describeAccess(operation: Operation, csrf: boolean): string {
  const schemes = operation.security.map((entry) => Object.keys(entry)[0] ?? 'none');
  const session = schemes.includes('sessionHandle')
    ? schemes.includes('none')
      ? "a DPoP proof by the page's key (`DPoP`); a session handle too when it reconnects a session"
      : 'a session handle with its DPoP proof (`Authorization: DPoP` and `DPoP`), or the cookie in cookie mode'
    : '';
  if (!csrf) return 'public';
  return ['an allowed `Origin` and `X-Bank-Connect: 1`', session].filter(Boolean).join('; ');
}

/** The reference as Markdown, formatted as `npm run format` would. */
export async function renderApiReference(): Promise<string> {
  const options = (await resolveConfig(API_REFERENCE)) ?? {};
  return format(renderMarkdown(), { ...options, parser: 'markdown' });
}

function renderMarkdown(): string {
  const document = buildOpenApiDocument(API_VERSION) as {
    paths: Record<string, Record<string, Operation>>;
  };
  const lines = [
    '# HTTP API reference',
    '',
    '<!-- Generated from the OpenAPI document by `npm run docs:api`; do not edit by hand. -->',
    '',
    `Version ${API_VERSION}. The BFF serves the same description as OpenAPI 3.1 at`,
    '`GET /v1/openapi.json`; the schemas named below are its components, generated from',
    '`backend-for-frontend/contract/schemas.ts`. Every error is an `ApiError`:',
    '`{ error, message, retryable, field?, aspsp?, retryAfter?, requestId? }`.',
    '',
  ];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const parameters = operation.parameters ?? [];
      const csrf = parameters.some((parameter) => parameter.name === 'X-Bank-Connect');
      lines.push(`## \`${method.toUpperCase()} ${path}\``, '', operation.summary, '');
      if (operation.description) lines.push(operation.description, '');
      lines.push(`- **Access**: ${describeAccess(operation, csrf)}.`);
      const inputs = parameters.filter((parameter) => parameter.in !== 'header');
      for (const parameter of inputs) {
        const schema = parameter.schema;
        const shape = schema.format ?? (schema.pattern ? `\`${schema.pattern}\`` : schema.type);
        lines.push(
          `- **${parameter.in} \`${parameter.name}\`**${parameter.required ? '' : ' (optional)'}: ${shape ?? 'string'}${parameter.description ? `. ${parameter.description}` : ''}`,
        );
      }
      const body = operation.requestBody?.content['application/json']?.schema;
      if (body) lines.push(`- **Body**: ${schemaName(body)}.`);
      const answers = Object.entries(operation.responses).map(([status, response]) => {
        const schema = schemaName(response.content?.['application/json']?.schema);
        const mediaType = Object.keys(response.content ?? {})[0];
        const shape =
          schema || (mediaType && mediaType !== 'application/json' ? `\`${mediaType}\`` : '');
        return `${status}${shape ? ` ${shape}` : ''}: ${response.description}`;
      });
      lines.push('- **Answers**:', ...answers.map((answer) => `  - ${answer}`), '');
    }
  }
  lines.push(
    '## Error codes',
    '',
    '`retryable` says whether trying again may succeed unchanged: the same request after',
    '`retryAfter` for a transient failure, or a new flow for a failure that ends one flow.',
    '',
    '| code | status | retryable | meaning |',
    '| --- | --- | --- | --- |',
    ...Object.entries(ERRORS).map(
      ([code, entry]) =>
        `| \`${code}\` | ${entry.status} | ${entry.retryable ? 'yes' : 'no'} | ${entry.message} |`,
    ),
    '',
  );
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  writeFileSync(API_REFERENCE, await renderApiReference());
  console.log(`wrote ${API_REFERENCE}`);
}

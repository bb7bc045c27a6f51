/**
 * Checks the BFF's answers against the OpenAPI document it serves: every answer a test receives
 * through `TestBff.call` must have a status the document lists for its operation and a body its
 * JSON Schema accepts (strict: a field the BFF adds without adding it to the contract fails). The
 * document is the one partners read, generated from the contract's zod schemas, so this is where
 * a drift between the schemas, the document and the server shows.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

interface OpenApiResponse {
  content?: Record<string, { schema?: object }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, OpenApiResponse> }>>;
  components: { schemas: Record<string, object> };
}

interface Route {
  pattern: RegExp;
  method: string;
  template: string;
  responses: Record<string, OpenApiResponse>;
}

export interface ContractChecker {
  /** Throws, naming the operation and the problem, when an answer breaks the document. */
  checkAnswer(method: string, url: string, status: number, body: string, mediaType: string): void;
  /** The compiled JSON Schema of a component, to test values against. */
  component(name: string): ValidateFunction;
}

const checkers = new Map<string, ContractChecker>();

/** A checker for one document (compiled once per document text). */
export function createContractChecker(document: OpenApiDocument): ContractChecker {
  const key = JSON.stringify(document);
  const known = checkers.get(key);
  if (known) return known;
  // Strict JSON Schema 2020-12, with the formats (date, date-time) the document uses.
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  addFormats.default(ajv);
  ajv.addSchema({ $id: 'bff', components: document.components });
  const compiled = new Map<string, ValidateFunction>();
  const compile = (schema: object): ValidateFunction => {
    const text = JSON.stringify(schema);
    let validate = compiled.get(text);
    if (!validate) {
      validate = ajv.compile(
        JSON.parse(text.replaceAll('"#/components/', '"bff#/components/')) as object,
      );
      compiled.set(text, validate);
    }
    return validate;
  };
  const routes: Route[] = Object.entries(document.paths).flatMap(([template, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      template,
      method: method.toUpperCase(),
      pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
      responses: operation.responses,
    })),
  );
  const checker: ContractChecker = {
    checkAnswer(method, url, status, body, mediaType) {
      const { pathname } = new URL(url, 'http://bff.invalid');
      if (method === 'OPTIONS') return;
      const route = routes.find(
        (candidate) => candidate.method === method && candidate.pattern.test(pathname),
      );
      // Unknown endpoints answer not_found, in the ApiError shape.
      const responses = route?.responses ?? {
        '404': {
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } },
        },
        '403': {
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiError' } } },
        },
      };
      const label = `${method} ${route?.template ?? pathname} answered ${status}`;
      const documented = responses[String(status)];
      if (!documented) throw new Error(`${label}, which the OpenAPI document does not list`);
      const schema = documented.content?.['application/json']?.schema;
      if (!schema) return;
      if (!mediaType.startsWith('application/json'))
        throw new Error(`${label} as ${mediaType}, not application/json`);
      const validate = compile(schema);
      if (!validate(JSON.parse(body))) {
        throw new Error(
          `${label} with a body its schema refuses: ${ajv.errorsText(validate.errors)}\n${body.slice(0, 500)}`,
        );
      }
    },
    component(name) {
      return compile({ $ref: `#/components/schemas/${name}` });
    },
  };
  checkers.set(key, checker);
  return checker;
}

/**
 * Validates sandbox responses against the STET specification files in shared/stet/: the
 * 1.4.0.47 Swagger definitions, and the 1.5.0.43 OpenAPI schemas for banks with 1.4.2+ shapes.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { default as addFormats } from 'ajv-formats';
import { parse } from 'yaml';

/**
 * The team's STET files: `STET_SPEC_DIR`, or `shared/stet/` beside the repository (as on CI). They
 * are not in the repository; a clone elsewhere is told where to point rather than failing on a
 * bare ENOENT.
 */
const specDir =
  process.env.STET_SPEC_DIR ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/stet');
if (!existsSync(path.join(specDir, 'stet-1.4.0.47.swagger.yaml'))) {
  throw new Error(
    `the STET specification files are not in ${specDir}: set STET_SPEC_DIR to the team's shared/stet folder`,
  );
}

function createAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats.default(ajv);
  for (const format of ['int32', 'int64', 'float', 'double']) ajv.addFormat(format, true);
  return ajv;
}

const ajv = createAjv();
const v1_4 = parse(readFileSync(path.join(specDir, 'stet-1.4.0.47.swagger.yaml'), 'utf8')) as {
  definitions: Record<string, unknown>;
};
const v1_5 = JSON.parse(readFileSync(path.join(specDir, 'stet-ais-pis-1.5.0.json'), 'utf8')) as {
  components: { schemas: Record<string, unknown> };
};
ajv.addSchema({ $id: 'stet-1.4.0.47', definitions: v1_4.definitions });
ajv.addSchema({ $id: 'stet-1.5.0.43', components: v1_5.components });

const cache = new Map<string, ValidateFunction>();

export type StetVersion = '1.4.0.47' | '1.5.0.43';

/** Validates `data` against a definition of the given STET version; returns the errors, if any. */
export function checkStetSchema(version: StetVersion, definition: string, data: unknown): string[] {
  const ref =
    version === '1.4.0.47'
      ? `stet-1.4.0.47#/definitions/${definition}`
      : `stet-1.5.0.43#/components/schemas/${definition}`;
  let validate = cache.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: ref });
    cache.set(ref, validate);
  }
  return validate(data)
    ? []
    : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message ?? ''}`);
}

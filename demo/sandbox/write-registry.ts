/**
 * `npm run registry:sandbox`: writes the BFF's bank registry for the running sandbox banks, from
 * their `GET /banks`. Adding a bank to the BFF is configuration; this generates that
 * configuration for the sandbox.
 *
 * Usage: tsx demo/sandbox/write-registry.ts [banks URL] [output file] [CA file]
 * (defaults: http://localhost:9080/banks, .data/registry.json, .certs/ca.pem)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildRegistryFromSandbox } from './registry-document.js';

/** Fetches the sandbox directory and writes a registry file; returns how many banks it holds. */
export async function writeSandboxRegistry(
  banksUrl: string,
  output: string,
  caFile: string,
): Promise<number> {
  const response = await fetch(banksUrl).catch((error: unknown) => {
    throw new Error(
      `cannot reach the sandbox at ${banksUrl}: is it running? (${(error as Error).message})`,
    );
  });
  if (!response.ok) throw new Error(`${banksUrl} answered ${response.status}`);
  const registry = buildRegistryFromSandbox(
    (await response.json()) as Parameters<typeof buildRegistryFromSandbox>[0],
    path.resolve(caFile),
  );
  await mkdir(path.dirname(path.resolve(output)), { recursive: true });
  await writeFile(output, `${JSON.stringify(registry, null, 2)}\n`);
  return registry.aspsps.length;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const [
    banksUrl = 'http://localhost:9080/banks',
    output = '.data/registry.json',
    caFile = '.certs/ca.pem',
  ] = process.argv.slice(2);
  writeSandboxRegistry(banksUrl, output, caFile).then(
    (count) => console.log(`wrote ${count} banks to ${output}`),
    (error: unknown) => {
      console.error((error as Error).message);
      process.exit(1);
    },
  );
}

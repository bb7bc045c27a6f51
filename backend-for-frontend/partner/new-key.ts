#!/usr/bin/env node
/**
 * `npm run partner-key -- <name>` (and the `bank-connect-partner-key` bin): makes a partner API
 * key. It prints the key once, for the partner's server, and the `BFF_PARTNER_KEYS` entry that
 * lets it in, which holds only its hash. Nothing is written anywhere.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createPartnerKey } from './keys.js';

export function main(args: readonly string[], print: (line: string) => void): number {
  const [name] = args;
  if (!name || args.length > 1) {
    print('usage: bank-connect-partner-key <name>   (a name for this key, e.g. sync-2026-12)');
    return 2;
  }
  try {
    const { key, entry } = createPartnerKey(name);
    print(`key (give it to the partner's server; it is shown only now):\n  ${key}`);
    print(`BFF_PARTNER_KEYS entry (append it, comma-separated):\n  ${entry}`);
    return 0;
  } catch (error) {
    print((error as Error).message);
    return 2;
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2), (line) => console.log(line));
}

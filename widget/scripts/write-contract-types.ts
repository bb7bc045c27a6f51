/**
 * Writes the published widget's contract types flat. The widget's sources read the BFF contract's
 * types through `widget/contract.ts`, which re-exports `z.infer` types of zod schemas; emitted as
 * they are, those declarations would make every user of `@bank-connect/widget` install zod and
 * the BFF's sources. This step asks the TypeScript checker for each type's structure and writes
 * it out as plain types in `dist/types/widget/contract.d.ts`, then removes the contract's own
 * declarations. `npm run build:widget` runs it after `tsc -p tsconfig.build.json`.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));
const source = path.join(root, 'widget/contract.ts');
const types = path.join(root, 'widget/dist/types');

const program = ts.createProgram([source], {
  strict: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  skipLibCheck: true,
});
const checker = program.getTypeChecker();
const file = program.getSourceFile(source);
const moduleSymbol = file && checker.getSymbolAtLocation(file);
if (!moduleSymbol) throw new Error('widget/contract.ts has no exports');

const flags =
  ts.TypeFormatFlags.NoTruncation |
  ts.TypeFormatFlags.InTypeAlias |
  ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType;

// `export type *` re-exports the schemas too, as types only: keep the type aliases.
const declarations = checker
  .getExportsOfModule(moduleSymbol)
  .map((exported) =>
    exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported,
  )
  .filter((symbol) => symbol.flags & ts.SymbolFlags.TypeAlias)
  .map((symbol) => {
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    return `export type ${symbol.name} = ${checker.typeToString(type, undefined, flags)};`;
  })
  .sort();

writeFileSync(
  path.join(types, 'widget/contract.d.ts'),
  [
    '/** The BFF contract types the widget uses, written flat from the contract zod schemas. */',
    ...declarations,
    '',
  ].join('\n'),
);
rmSync(path.join(types, 'backend-for-frontend'), { recursive: true, force: true });

// Nothing published may still point at zod or at the BFF's sources.
for (const entry of readdirSync(types, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const text = readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
  if (/(from |import\()['"](zod|[^'"]*backend-for-frontend[^'"]*)['"]/.test(text)) {
    throw new Error(`${entry.name} still refers to zod or to the BFF's sources`);
  }
}
console.log(
  `wrote ${declarations.length} contract types to widget/dist/types/widget/contract.d.ts`,
);

// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '**/dist/', '.certs/', '.data/', 'coverage/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it return promises that the runner itself awaits.
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // A cycle between modules hides which one is the lower layer (type-only imports never run).
    files: ['widget/**/*.ts', 'backend-for-frontend/**/*.ts', 'demo/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    // Browser code never imports Node code: the widget ships to partner pages.
    files: ['widget/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'the widget runs in the browser' },
            {
              group: ['**/backend-for-frontend/**'],
              message:
                'the widget never imports BFF code: it reads the contract types through widget/contract.ts',
            },
            { group: ['**/demo/**', '**/test/**'], message: 'the widget is self-contained' },
          ],
        },
      ],
    },
  },
  {
    files: ['backend-for-frontend/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/widget/**'], message: 'the BFF never imports browser code' },
            { group: ['**/demo/**', '**/test/**'], message: 'the BFF is self-contained' },
          ],
        },
      ],
    },
  },
  {
    // The widget's build steps run in Node, at build time; they ship nothing to the page.
    files: ['widget/scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
  {
    // The one door to the contract: types only, which the package build flattens.
    files: ['widget/contract.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/backend-for-frontend/**'],
              allowTypeImports: true,
              message: 'types only: the schemas would ship zod to the page',
            },
          ],
        },
      ],
    },
  },
  {
    // The contract is neutral ground: browser and Node code both read it, so it reads neither.
    files: ['backend-for-frontend/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'express', 'pino', 'undici'],
              message: 'the contract runs anywhere',
            },
            { group: ['../*'], message: 'the contract imports nothing of the BFF' },
          ],
        },
      ],
    },
  },
  {
    // Plain JavaScript config and support files run in Node.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { ...globals.node },
    },
  },
);

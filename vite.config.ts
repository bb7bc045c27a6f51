import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defineConfig, minifySync, type LibraryOptions, type Plugin } from 'vite';

/**
 * Collapses the whitespace of one static chunk of an `html` or `css` template. In CSS it also
 * drops what a CSS minifier would: a number's leading zero (`0.5rem`), the quotes of an
 * identifier in an attribute selector (`[role='option']`) and the space before `!important`.
 */
function collapse(text: string, tag: 'html' | 'css'): string {
  const single = text.replace(/\s+/g, ' ');
  return tag === 'html'
    ? single.replace(/>\s+</g, '><')
    : single
        .replace(/\s*([{};,>])\s*|(:)\s+/g, '$1$2')
        .replace(/;}/g, '}')
        .replace(/([^\w.-])0\.(\d)/g, '$1.$2')
        .replace(/\[([\w-]+)='([\w-]+)'\]/g, '[$1=$2]')
        .replace(/ !important/g, '!important');
}

/**
 * Copies a template literal starting after its opening backtick, collapsing the static parts
 * when it is tagged `html` or `css`, and recursing into `${…}` expressions. Returns the text
 * and the index after the closing backtick.
 */
function scanTemplate(code: string, start: number, tag?: 'html' | 'css'): [string, number] {
  let out = '';
  let chunk = '';
  let index = start;
  const flush = () => {
    out += tag ? collapse(chunk, tag) : chunk;
    chunk = '';
  };
  while (index < code.length) {
    const char = code[index];
    if (char === '\\') {
      chunk += code.slice(index, index + 2);
      index += 2;
    } else if (char === '`') {
      flush();
      return [`${out}\``, index + 1];
    } else if (char === '$' && code[index + 1] === '{') {
      flush();
      const [expression, next] = scanCode(code, index + 2, true);
      out += `\${${expression}`;
      index = next;
    } else {
      chunk += char;
      index += 1;
    }
  }
  throw new Error('unterminated template literal');
}

/** Copies code, minifying tagged templates; inside an expression, stops after its closing brace. */
function scanCode(code: string, start: number, inExpression: boolean): [string, number] {
  let out = '';
  let depth = 0;
  let index = start;
  while (index < code.length) {
    const char = code[index] ?? '';
    if (char === '`') {
      const tag = /\b(html|css)\s*$/.exec(out)?.[1] as 'html' | 'css' | undefined;
      const [template, next] = scanTemplate(code, index + 1, tag);
      out += `\`${template}`;
      index = next;
    } else if (char === "'" || char === '"') {
      let end = index + 1;
      while (end < code.length && code[end] !== char) end += code[end] === '\\' ? 2 : 1;
      out += code.slice(index, end + 1);
      index = end + 1;
    } else if (char === '/' && (code[index + 1] === '/' || code[index + 1] === '*')) {
      const end =
        code[index + 1] === '/' ? code.indexOf('\n', index) : code.indexOf('*/', index) + 2;
      const stop = end <= index ? code.length : end;
      out += code.slice(index, stop);
      index = stop;
    } else {
      if (char === '{') depth += 1;
      if (char === '}') {
        if (inExpression && depth === 0) return [`${out}}`, index + 1];
        depth -= 1;
      }
      out += char;
      index += 1;
    }
  }
  return [out, index];
}

/** Shrinks the whitespace of Lit `html` and `css` templates in the widget's own sources. */
function minifyLitTemplates(): Plugin {
  return {
    name: 'bank-connect:minify-lit-templates',
    enforce: 'pre',
    transform(code, id) {
      if (!/\/widget\/.*\.ts$/.test(id) || !/\b(html|css)`/.test(code)) return undefined;
      return { code: scanCode(code, 0, false)[0], map: null };
    },
  };
}

/**
 * Lit's module-level hooks that the drop-in never uses, each run when Lit's modules evaluate:
 * the polyfill-support hooks (for browsers without shadow DOM, which es2022 excludes), SSR
 * hydration (the drop-in is never server-rendered), and the version lists that dev builds of
 * another Lit on the page read to warn of duplicates. Removing them saves the drop-in 133 B gzip
 * and the page their evaluation. A Lit release that changes these lines fails the build here
 * rather than leaving them in silently.
 */
const LIT_HOOKS: [RegExp, RegExp[]][] = [
  [
    /\/lit-html\/lit-html\.js$/,
    [
      /,\w+=\w+\.litHtmlPolyfillSupport;\s*\w+\?\.\(\w+,\w+\),\(\w+\.litHtmlVersions\?\?=\[\]\)\.push\("[\d.]+"\)/,
    ],
  ],
  [
    /\/@lit\/reactive-element\/reactive-element\.js$/,
    [
      /,\w+=\w+\.reactiveElementPolyfillSupport(?=,)/,
      /,\w+\?\.\(\{ReactiveElement:\w+\}\),\(\w+\.reactiveElementVersions\?\?=\[\]\)\.push\("[\d.]+"\)/,
    ],
  ],
  [
    /\/lit-element\/lit-element\.js$/,
    [
      /,\w+\.litElementHydrateSupport\?\.\(\{LitElement:\w+\}\)/,
      /const \w+=\w+\.litElementPolyfillSupport;\w+\?\.\(\{LitElement:\w+\}\);/,
      /\(\w+\.litElementVersions\?\?=\[\]\)\.push\("[\d.]+"\);/,
    ],
  ],
];

function dropLitHooks(): Plugin {
  return {
    name: 'bank-connect:drop-lit-hooks',
    transform(code, id) {
      const hooks = LIT_HOOKS.find(([file]) => file.test(id))?.[1];
      if (!hooks) return undefined;
      let out = code;
      for (const hook of hooks) {
        if (!hook.test(out)) this.error(`${id}: Lit changed, ${String(hook)} no longer matches`);
        out = out.replace(hook, '');
      }
      return { code: out, map: null };
    },
  };
}

/**
 * Shortens the properties whose names end with an underscore (`popup_`, `onStep_`): the widget's
 * convention for internal members that `#private` cannot cover because another module reads
 * them. Such a member is never public API, a Lit reactive property, a field of the BFF's JSON, nor
 * anything another tab or another copy of the script reads (the relay, stored flows, broadcast
 * results): those keep their names. Lit has no such names. Runs on each chunk
 * before minification with one cache per build, so that every chunk agrees on the short names.
 */
function mangleInternalProperties(): Plugin {
  let cache: Record<string, string | false> = {};
  return {
    name: 'bank-connect:mangle-internal-properties',
    buildStart() {
      cache = {};
    },
    renderChunk(code, chunk) {
      const result = minifySync(chunk.fileName, code, {
        module: true,
        compress: false,
        mangle: false,
        mangleProps: { include: /^[A-Za-z]\w*_$/, cache },
        sourcemap: true,
      });
      if (result.errors.length > 0) this.error(result.errors[0]?.message ?? 'mangling failed');
      cache = result.mangleCache ?? cache;
      return { code: result.code, map: result.map ?? null };
    },
  };
}

/** The widget package's version: the drop-in's versioned path and `widget.json` carry it. */
const VERSION = (
  JSON.parse(readFileSync(new URL('./widget/package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** Where the drop-in's versioned files live, under its output folder and under a BFF. */
const VERSIONED = `bank-connect/${VERSION}`;

/** Subresource Integrity of a file (W3C SRI §3.1), as `<script integrity>` and import maps take it. */
function computeIntegrity(source: string): string {
  return `sha384-${createHash('sha384').update(source).digest('base64')}`;
}

/** The module id of the drop-in's root entry, `bank-connect.js`: see `layOutDropIn`. */
const ROOT_ENTRY = 'virtual:bank-connect-root-entry';

/**
 * Lays the drop-in out for serving. The module, its chunks and everything else that never
 * changes live in `bank-connect/<version>/` (served immutable), where the chunks import the entry
 * as `./bank-connect.js`: one URL, so one copy of the module and of Lit, whichever URL the page
 * named. `bank-connect.js`, the entry a page's script tag names (a short cache: it changes with
 * each release), only re-exports that versioned entry, which pages that pin a version name with
 * `integrity`. `widget.json` lists every file with its SRI hash.
 */
function layOutDropIn(): Plugin {
  return {
    name: 'bank-connect:lay-out-drop-in',
    // Vite resolves a library entry against the root first: hence `endsWith`.
    resolveId: (id) => (id.endsWith(ROOT_ENTRY) ? `\0${ROOT_ENTRY}` : undefined),
    load: (id) =>
      id === `\0${ROOT_ENTRY}`
        ? "export { BankConnect, TAG_NAME, defineBankConnect } from '/widget/define.ts';"
        : undefined,
    generateBundle(_options, bundle) {
      const pinned = `${VERSIONED}/bank-connect.js`;
      if (bundle['bank-connect.js']?.type !== 'chunk' || bundle[pinned]?.type !== 'chunk') {
        return this.error('the drop-in entries were not built');
      }
      const files = Object.values(bundle)
        .filter((item) => item.type === 'chunk')
        .map((chunk) => ({ path: chunk.fileName, integrity: computeIntegrity(chunk.code) }));
      this.emitFile({
        type: 'asset',
        fileName: 'widget.json',
        source: `${JSON.stringify({ version: VERSION, entry: 'bank-connect.js', pinnedEntry: pinned, files }, null, 2)}\n`,
      });
    },
  };
}

/**
 * Two library builds of the widget, into `widget/dist/`:
 * - default mode: `drop-in/`, for a script tag (Lit bundled, minified). The entry loads the
 *   consent (`widget/consent.ts`: the authorization flow and the French messages of the consent)
 *   when a bank is chosen and the English messages only where `lang="en"` is set, as chunks
 *   fetched from where the entry came from;
 * - `--mode es`: `es/`, ES modules for bundlers, with Lit left external; the
 *   consent and the English messages are chunks too, and `client.js`
 *   (`@bank-connect/widget/client`, the session's data with DPoP proofs) is an entry of its own,
 *   without Lit or the element.
 */
export default defineConfig(({ mode }) => {
  const es = mode === 'es';
  const lib: LibraryOptions = es
    ? {
        entry: { index: 'widget/index.ts', define: 'widget/define.ts', client: 'widget/client.ts' },
        formats: ['es'],
      }
    : { entry: { 'bank-connect': ROOT_ENTRY, pinned: 'widget/define.ts' }, formats: ['es'] };
  return {
    plugins: [
      minifyLitTemplates(),
      mangleInternalProperties(),
      ...(es ? [] : [dropLitHooks(), layOutDropIn()]),
    ],
    // Lit's reactive properties are accessors on the prototype: as with tsconfig.json's
    // `useDefineForClassFields: false`, fields are assigned, and a field without initializer is
    // not emitted, so that none shadows an accessor.
    oxc: { typescript: { removeClassFieldsWithoutInitializer: true } },
    // Only the drop-in defaults `bff` to where its script came from (widget/served-from.ts).
    define: { __BANK_CONNECT_DROP_IN__: JSON.stringify(!es) },
    build: {
      target: 'es2022',
      outDir: es ? 'widget/dist/es' : 'widget/dist/drop-in',
      emptyOutDir: true,
      // The drop-in, minified by Rolldown (output.minify below), goes through terser too: its
      // second look at the code saves another 51 B gzip in the entry and 89 B in a French consent.
      minify: es ? true : 'terser',
      terserOptions: {
        module: true,
        ecma: 2020,
        compress: { passes: 2 },
        format: { comments: false, preserve_annotations: false },
      },
      sourcemap: es,
      reportCompressedSize: false,
      lib,
      rolldownOptions: {
        // What the drop-in's entry shares with a chunk stays in the entry, which the chunk then
        // imports (see layOutDropIn); under 'strict', Rolldown gives it a chunk of its own, one
        // more request before the element can start.
        preserveEntrySignatures: es ? 'strict' : 'allow-extension',
        external: es ? [/^lit($|\/)/, /^@lit\//] : [],
        // Library mode keeps whitespace in ES output by default; the budgets are for minified code.
        // The ES build keeps its `@__PURE__` marks for the app's bundler to tree-shake with; the
        // drop-in is final, and they cost it 34 B gzip.
        output: {
          minify: true,
          ...(es
            ? {}
            : {
                comments: false,
                entryFileNames: (chunk: { name: string }) =>
                  chunk.name === 'pinned' ? `${VERSIONED}/bank-connect.js` : '[name].js',
                chunkFileNames: `${VERSIONED}/[name]-[hash].js`,
              }),
        },
      },
    },
  };
});

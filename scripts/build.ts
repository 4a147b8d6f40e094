/**
 * Bundles each FC function (functions/<name>/index.ts) into dist/<name>/index.js: CommonJS for the
 * nodejs20 built-in runtime (handler `index.handler`), everything inlined so the deployed folder
 * needs no node_modules. Fails when a bundle reaches the local engine's native/ML packages: those
 * only belong to the local launcher and would break (or bloat) the cloud functions.
 *
 * Usage: tsx scripts/build.ts [indexer clusterer api]
 */

import { readFileSync } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import type { PageAssets } from '../src/web/page-assets';
import { buildPage, PAGE_BUDGET_BYTES, pageBytes } from '../src/web/page-build';

export const FUNCTIONS = ['indexer', 'clusterer', 'api'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(ROOT, 'package.json'));
export const DIST = path.join(ROOT, 'dist');
/** Bundle size goal (also reported by bench/cold.ts); above it the build warns. */
export const SIZE_GOAL_BYTES = 1024 * 1024;

/** Packages that must never reach a cloud bundle (native addons, TF/ML engines). */
const FORBIDDEN_PACKAGE =
  /(^|\/)node_modules\/(better-sqlite3|sharp|@img|hnswlib-node|@tensorflow|@vladmandic|onnxruntime[^/]*|bindings|prebuild-install|node-gyp-build)\//;
const NATIVE_FILE = /\.node$/;

/**
 * Modules left out of the bundle on purpose. Each entry must be unreachable at run time.
 * - `proxy-agent`: urllib@2 (under ali-oss) requires it lazily only when a request sets
 *   `enableProxy` or the env has URLLIB_ENABLE_PROXY; ali-oss never sets it, we never set the
 *   env, and it is not installed, so esbuild could not bundle it anyway.
 */
export const INTENTIONAL_EXTERNALS: readonly string[] = ['proxy-agent'];

/**
 * Optional accelerators that dependencies `require` inside try/catch with a pure-JS/builtin
 * fallback; esbuild leaves such unresolvable requires external by itself. At run time the
 * require fails (no node_modules next to the bundle) and the fallback runs:
 * - `graceful-fs` (mz, under ali-oss → utility) → falls back to `fs`.
 */
export const OPTIONAL_FALLBACK_REQUIRES: readonly string[] = ['graceful-fs'];

/**
 * Keeps bundles under the 1 MB goal by replacing two dependency parts the functions never use:
 * - `iconv-lite` (~490 KB of CJK tables): urllib (under ali-oss) loads it only to decode a
 *   response whose charset Buffer does not know; OSS answers UTF-8 XML. The shim decodes with
 *   Node's ICU TextDecoder (gbk, big5, shift_jis, … are built into node20), so behaviour is kept.
 * - zod's `locales` namespace (~250 KB of translated messages): zod itself only configures `en`,
 *   and the code never reads `z.locales`.
 * - `@alicloud/tea-util` is installed twice: 1.4.11 (hoisted) re-exports RuntimeOptions from
 *   `@darabonba/typescript`, which drags in lodash, moment and ws (~240 KB); 1.4.9, nested under
 *   `@alicloud/openapi-client`, defines the same classes itself. Every import is resolved to that
 *   nested copy: openapi-client already runs on it, and openapi-util (the other user) only calls
 *   `toFormString`, present in both. RuntimeOptions is a plain field bag read by openapi-client.
 */
export const trimDependencies: Plugin = {
  name: 'trim-dependencies',
  setup(b) {
    const teaUtil = leanTeaUtil();
    if (teaUtil) b.onResolve({ filter: /^@alicloud\/tea-util$/ }, () => ({ path: teaUtil }));
    b.onResolve({ filter: /^iconv-lite$/ }, () => ({ path: 'iconv-lite', namespace: 'trim' }));
    b.onLoad({ filter: /^iconv-lite$/, namespace: 'trim' }, () => ({
      loader: 'js',
      contents: `module.exports = {
        decode(buf, charset) { return new TextDecoder(String(charset).toLowerCase()).decode(buf); },
        encodingExists(charset) { try { new TextDecoder(String(charset).toLowerCase()); return true; } catch { return false; } },
      };`,
    }));
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? { path: path.join(path.dirname(args.importer), args.path), namespace: 'trim-zod' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'trim-zod' }, (args) => ({
      loader: 'js',
      resolveDir: path.dirname(args.path),
      contents: `export { default as en } from './en.js';`,
    }));
  },
};

/** The tea-util copy under openapi-client, if it does not depend on @darabonba/typescript. */
function leanTeaUtil(): string | null {
  try {
    const fromClient = createRequire(require.resolve('@alicloud/openapi-client/package.json'));
    const pkgFile = fromClient.resolve('@alicloud/tea-util/package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { dependencies?: Record<string, string> };
    if (pkg.dependencies?.['@darabonba/typescript']) return null;
    return fromClient.resolve('@alicloud/tea-util');
  } catch {
    return null;
  }
}

/**
 * Packages whose module code runs on first use instead of at bundle load. ali-oss (with urllib,
 * xml2js, platform, …) is a large part of load time but only signs URLs, which the indexer and
 * clusterer never do and the API does only for responses with photos. The replacement module is a
 * Proxy over the real export: `new OSS(…)`, calls and property reads load the real package then.
 */
export const DEFERRED_MODULES: readonly string[] = ['ali-oss'];

export const deferLoading: Plugin = {
  name: 'defer-loading',
  setup(b) {
    const names = new RegExp(
      `^(${DEFERRED_MODULES.map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`,
    );
    b.onResolve({ filter: names }, (args) =>
      args.namespace === 'deferred' ? undefined : { path: args.path, namespace: 'deferred' },
    );
    b.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => ({
      loader: 'js',
      resolveDir: ROOT,
      contents: `let real; const load = () => (real ??= require(${JSON.stringify(args.path)}));
module.exports = new Proxy(function deferred() {}, {
  construct: (_t, a) => Reflect.construct(load(), a),
  apply: (_t, self, a) => Reflect.apply(load(), self, a),
  get: (_t, k) => load()[k],
  has: (_t, k) => k in load(),
});`,
    }));
  },
};

/**
 * The People page inside the api bundle: src/web/page-assets.ts (which builds the page with esbuild on
 * demand in a checkout) is replaced by the assets built here, so the deployed function serves `GET /`
 * with no file system and no esbuild. The indexer and clusterer get `null` (they never serve the page).
 */
export function embedPage(assets: PageAssets | null): Plugin {
  return {
    name: 'embed-page',
    setup(b) {
      b.onResolve({ filter: /[\\/]page-assets$/ }, (args) =>
        /[\\/]src[\\/]web$/.test(args.resolveDir)
          ? { path: 'page-assets', namespace: 'embedded-page' }
          : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'embedded-page' }, () => ({
        loader: 'js',
        contents: `const assets = ${JSON.stringify(assets)};\nexport function loadPageAssets() { return Promise.resolve(assets); }`,
      }));
    },
  };
}

/** Builds the page, checks its budget and writes it to dist/web for static hosting (OSS static website). */
export async function buildWebDist(outRoot = DIST): Promise<PageAssets> {
  const page = await buildPage();
  const bytes = pageBytes(page);
  if (bytes > PAGE_BUDGET_BYTES)
    throw new BundlePolicyError(`web page JS + CSS is ${bytes} B, above the ${PAGE_BUDGET_BYTES} B budget`);
  const hosted = await buildPage({ apiBase: process.env.WEB_API_BASE_URL ?? '' });
  const dir = path.join(outRoot, 'web');
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, 'assets'), { recursive: true });
  await writeFile(path.join(dir, 'index.html'), hosted.html);
  for (const [name, file] of Object.entries(hosted.files)) await writeFile(path.join(dir, name), file.body);
  return page;
}

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

export interface BundleReport {
  name: FunctionName;
  file: string;
  bytes: number;
  inputs: number;
  /** Largest inputs by bytes in the output, for size triage. */
  top: { input: string; bytes: number }[];
}

export class BundlePolicyError extends Error {
  override readonly name = 'BundlePolicyError';
}

/** Checks a metafile for forbidden inputs and non-builtin externals; returns the problems found. */
export function policyViolations(meta: Metafile): string[] {
  const problems: string[] = [];
  for (const input of Object.keys(meta.inputs)) {
    const p = input.replace(/\\/g, '/');
    if (FORBIDDEN_PACKAGE.test(p)) problems.push(`forbidden package in bundle: ${p}`);
    if (NATIVE_FILE.test(p)) problems.push(`native addon in bundle: ${p}`);
  }
  // esbuild leaves unresolvable requires inside try/catch external; name who asked for them.
  for (const [input, info] of Object.entries(meta.inputs)) {
    for (const imp of info.imports) {
      if (!imp.external || BUILTINS.has(imp.path)) continue;
      if (INTENTIONAL_EXTERNALS.includes(imp.path) || OPTIONAL_FALLBACK_REQUIRES.includes(imp.path)) continue;
      problems.push(
        `unbundled runtime import: ${imp.path} from ${input} (would need node_modules at run time)`,
      );
    }
  }
  return [...new Set(problems)];
}

export interface BuildOptions {
  functions?: readonly FunctionName[];
  outRoot?: string;
  /** Extra esbuild plugins (tests use one to swap a module). */
  plugins?: Plugin[];
}

export async function buildFunctions(opts: BuildOptions = {}): Promise<BundleReport[]> {
  const outRoot = opts.outRoot ?? DIST;
  const reports: BundleReport[] = [];
  const functions = opts.functions ?? FUNCTIONS;
  const page = functions.includes('api') ? await buildWebDist(outRoot) : null;
  for (const name of functions) {
    const outdir = path.join(outRoot, name);
    await rm(outdir, { recursive: true, force: true });
    await mkdir(outdir, { recursive: true });
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: { index: path.join(ROOT, 'functions', name, 'index.ts') },
      outdir,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      sourcemap: 'external',
      sourcesContent: false,
      legalComments: 'none',
      external: [...INTENTIONAL_EXTERNALS],
      metafile: true,
      logLevel: 'warning',
      plugins: [
        trimDependencies,
        deferLoading,
        embedPage(name === 'api' ? page : null),
        ...(opts.plugins ?? []),
      ],
    });
    const problems = policyViolations(result.metafile);
    if (problems.length) throw new BundlePolicyError(`${name}: ${problems.join('; ')}`);
    // The project's package.json says "type": "module"; this marker keeps index.js CommonJS
    // wherever the folder sits (FC's runtime, tests, bench). It is deployed too, harmlessly.
    await writeFile(path.join(outdir, 'package.json'), '{"type":"commonjs"}\n');
    const file = path.join(outdir, 'index.js');
    const bytes = (await stat(file)).size;
    const outMeta = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
    const top = Object.entries(outMeta?.inputs ?? {})
      .map(([input, v]) => ({ input, bytes: v.bytesInOutput }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 5);
    reports.push({ name, file, bytes, inputs: Object.keys(result.metafile.inputs).length, top });
  }
  return reports;
}

export function formatBytes(bytes: number): string {
  return `${bytes} B (${(bytes / 1024 / 1024).toFixed(3)} MB)`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => !(FUNCTIONS as readonly string[]).includes(a));
  if (unknown.length)
    throw new Error(`unknown function(s): ${unknown.join(', ')}; expected ${FUNCTIONS.join(', ')}`);
  const reports = await buildFunctions({ functions: args.length ? (args as FunctionName[]) : FUNCTIONS });
  if (!args.length || args.includes('api')) {
    const page = await buildPage();
    console.log(
      `web        dist/web  page JS + CSS ${formatBytes(pageBytes(page))} (budget ${PAGE_BUDGET_BYTES} B)`,
    );
  }
  for (const r of reports) {
    const flag = r.bytes > SIZE_GOAL_BYTES ? '  WARNING: above the 1 MB goal' : '';
    console.log(
      `${r.name.padEnd(10)} ${path.relative(ROOT, r.file)}  ${formatBytes(r.bytes)}  ${r.inputs} inputs${flag}`,
    );
    for (const t of r.top) console.log(`           ${String(t.bytes).padStart(8)}  ${t.input}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
    process.exit(1);
  });
}

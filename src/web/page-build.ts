import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { PageAssets } from './page-assets';

/** The page's sources (Preact + TSX), beside src/. */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));
/** The page's own JS + CSS budget, before compression. */
export const PAGE_BUDGET_BYTES = 120 * 1024;

export interface PageBuildOptions {
  /** API origin the page calls when its files are hosted elsewhere (OSS static website); '' = same origin. */
  apiBase?: string;
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Bundles web/main.tsx (and the CSS it imports) in memory, minified, with content-hashed names. */
export async function buildPage(opts: PageBuildOptions = {}): Promise<PageAssets> {
  const result = await build({
    entryPoints: [`${WEB_DIR}main.tsx`],
    bundle: true,
    write: false,
    outdir: '/out',
    format: 'esm',
    target: ['chrome100', 'firefox100', 'safari15'],
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const files: PageAssets['files'] = {};
  const names: Record<'js' | 'css', string> = { js: '', css: '' };
  for (const out of result.outputFiles) {
    const ext = out.path.endsWith('.css') ? 'css' : 'js';
    const hash = createHash('sha256').update(out.contents).digest('hex').slice(0, 12);
    const name = `assets/app.${hash}.${ext}`;
    names[ext] = name;
    files[name] = {
      body: out.text,
      type: ext === 'css' ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
    };
  }
  const template = await readFile(`${WEB_DIR}index.html`, 'utf8');
  const html = template
    .replace('%API_BASE%', escapeAttr(opts.apiBase ?? ''))
    .replace('%CSS%', names.css)
    .replace('%JS%', names.js);
  return { html, files };
}

/** Bytes of the page's JS + CSS (what the 120 KB budget counts). */
export function pageBytes(assets: PageAssets): number {
  return Object.values(assets.files).reduce((n, f) => n + Buffer.byteLength(f.body), 0);
}

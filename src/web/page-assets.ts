/** The People page as the api serves it: one HTML document and its content-hashed script and stylesheet. */
export interface PageAssets {
  html: string;
  /** `assets/app.<hash>.js` → source; the same names the HTML refers to. */
  files: Record<string, { body: string; type: string }>;
}

// Per-process cache, on purpose: the page is built once per process (a failed build is retried).
let building: Promise<PageAssets> | null = null;

/**
 * Built from `web/` on first request in a checkout (`npm start`, tests), so nothing depends on a stale
 * `dist/`. The cloud bundles never run this: scripts/build.ts replaces this module with the assets it
 * built (the api) or with nothing (indexer, clusterer), so esbuild is not part of any bundle.
 */
export function loadPageAssets(): Promise<PageAssets | null> {
  building ??= import('./page-build')
    .then((m) => m.buildPage())
    .catch((err) => {
      building = null;
      throw err;
    });
  return building;
}

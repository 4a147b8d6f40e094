// esbuild bundles the page's CSS imports into one stylesheet.
declare module '*.css';

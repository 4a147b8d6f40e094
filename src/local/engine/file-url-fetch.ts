import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * Per-process state, on purpose: the global fetch is wrapped at most once per process (an engine worker,
 * or a benchmark running the engine in-process), and this flag remembers that it was.
 */
let installed = false;

/**
 * Node's fetch() rejects file:// URLs, but Human loads its models through fetch (no loader option).
 * Wrap the global fetch once so absolute file:// URLs are read from disk; every other URL passes through.
 */
export function installFileUrlFetch(): void {
  if (installed) return;
  installed = true;
  const original = globalThis.fetch.bind(globalThis);
  globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file://')) return original(input, init);
    try {
      const body = await readFile(fileURLToPath(url));
      const type = url.endsWith('.json') ? 'application/json' : 'application/octet-stream';
      return new Response(body, { status: 200, headers: { 'content-type': type } });
    } catch {
      return new Response(null, { status: 404, statusText: `not found: ${url}` });
    }
  }) as typeof fetch;
}

import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

let installed = false;

/**
 * Node's fetch() rejects file:// URLs, but Human loads its models through fetch.
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

import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';

/**
 * The serialized JSON answers of the read routes, kept per process until the album changes.
 *
 * A page of 50 people with 100 signed links is ~30 KB of JSON; building and stringifying it was most of
 * a request's cost even with the backend's answers memoized (ReadMemo), so a page read again and again
 * (a grid refreshed, many clients) is now answered from the stored string. An entry's key is the path,
 * the query (parameters sorted by name, repeated ones kept in order) and the service's read version: the
 * store's change counter (any write here, or a commit by another process) plus the signed links' expiry
 * step and base URL, so a write or a new link minute is never answered with an older body. Each entry
 * keeps its own version, so the albums of several libraries share one bounded memo without evicting
 * each other on every write. Keeping
 * the answer costs nothing for callers: request ids, auth (it runs after auth) and the request log are
 * unchanged, and each body carries an ETag so a client that has it gets a 304.
 *
 * Written by hand: Hono's cache middleware is the Web Cache API (absent in Node) and keys by URL only.
 */
export interface ReadBodyMemoOptions {
  /** The version of the album this request reads; null when it cannot be named: nothing is kept or served. */
  version: (c: Context) => string | null;
  /** Paths whose GET answers are kept. */
  paths: RegExp;
  maxEntries?: number;
  maxBytes?: number;
}

interface Entry {
  version: string;
  body: string;
  etag: string;
}

export class ReadBodyMemo {
  private bytes = 0;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly maxEntries = 500,
    readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  get(version: string, key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    // An answer of an older version is never served again: drop it now rather than wait for eviction.
    if (e.version !== version) {
      this.bytes -= e.body.length;
      return undefined;
    }
    this.entries.set(key, e);
    return e;
  }

  set(version: string, key: string, body: string): Entry {
    const entry = { version, body, etag: `W/"${createHash('sha1').update(body).digest('base64url')}"` };
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.body.length;
      this.entries.delete(key);
    }
    if (body.length > this.maxBytes) return entry;
    this.entries.set(key, entry);
    this.bytes += body.length;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.body.length;
    }
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The query with parameters sorted by name; a repeated parameter keeps its values' order. */
function normalizedQuery(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return '';
  const params = new URLSearchParams(url.slice(at + 1));
  params.sort();
  return params.toString();
}

const JSON_TYPE = 'application/json';

export function readBodyMemo(opts: ReadBodyMemoOptions): MiddlewareHandler {
  const memo = new ReadBodyMemo(opts.maxEntries, opts.maxBytes);
  return async (c, next) => {
    if (c.req.method !== 'GET' || !opts.paths.test(c.req.path)) return next();
    const version = opts.version(c);
    if (version === null) return next();
    const key = `${c.req.path}?${normalizedQuery(c.req.url)}`;
    const send = (e: Entry) =>
      c.req.header('if-none-match') === e.etag
        ? c.body(null, 304, { etag: e.etag })
        : c.body(e.body, 200, { 'content-type': JSON_TYPE, etag: e.etag });
    const hit = memo.get(version, key);
    if (hit) return send(hit);
    await next();
    const res = c.res;
    // Only a success, and only when nothing changed while it was built (an await inside a handler
    // lets a write or the link minute move on): the body then belongs to `version`.
    if (res.status !== 200 || !res.headers.get('content-type')?.startsWith(JSON_TYPE)) return;
    const body = await res.clone().text();
    if (opts.version(c) !== version) return;
    c.header('etag', memo.set(version, key, body).etag);
  };
}

import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Context, MiddlewareHandler } from 'hono';

/**
 * The serialized JSON answers of the read routes, kept per process until the album changes.
 *
 * A page of 50 people with 100 signed links is ~30 KB of JSON; building and stringifying it was most of
 * a request's cost even with the backend's answers memoized (ReadMemo), so a page read again and again
 * (a grid refreshed, many clients) is now answered from the stored bytes. An entry's key is the path,
 * the query (parameters sorted by name, repeated ones kept in order) and the service's read version: the
 * store's change counter (any write here, or a commit by another process) plus the signed links' expiry
 * step and base URL, so a write or a new link minute is never answered with an older body. Each entry
 * keeps its own version, so the albums of several libraries share one bounded memo without evicting
 * each other on every write. Keeping the answer costs nothing for callers: request ids, auth (it runs
 * after auth) and the request log are unchanged, and each body carries an ETag so a client that has it
 * gets a 304.
 *
 * A client that accepts brotli or gzip (every browser) gets the body compressed: each entry is
 * compressed once per coding, when first asked for (~0.3 ms for 30 KB, to a fifth of its size), so
 * the socket write — most of what a kept answer still cost — shrinks with it.
 *
 * Written by hand: Hono's cache middleware is the Web Cache API (absent in Node) and keys by URL only;
 * its compress middleware compresses every response again as a stream.
 */
export interface ReadBodyMemoOptions {
  /** The version of the album this request reads; null when it cannot be named: nothing is kept or served. */
  version: (c: Context) => string | null;
  /** Paths whose GET answers are kept. */
  paths: RegExp;
  maxEntries?: number;
  maxBytes?: number;
}

export type ContentCoding = 'br' | 'gzip';
/** What Hono sends as is (a Buffer over its own ArrayBuffer is one). */
type Bytes = Uint8Array<ArrayBuffer>;

export interface Entry {
  readonly key: string;
  readonly version: string;
  body: Bytes;
  etag: string;
  /** Compressed bodies made so far; null when compressing did not make it smaller. */
  coded: Partial<Record<ContentCoding, Bytes | null>>;
}

/** Smaller bodies are sent as they are: compressing them saves less than it costs. */
const MIN_COMPRESS_BYTES = 1024;

/** Brotli quality 5: about gzip's time for ~10 % fewer bytes (11, the default, takes 100× longer). */
const compressors: Record<ContentCoding, (body: Bytes) => Bytes> = {
  br: (body) =>
    brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 5,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    }),
  gzip: (body) => gzipSync(body),
};

export class ReadBodyMemo {
  private bytes = 0;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private newest: Entry | undefined;

  constructor(
    readonly maxEntries = 500,
    readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  get(version: string, key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    // An answer of an older version is never served again: drop it now rather than wait for eviction.
    if (e.version !== version) {
      this.entries.delete(key);
      this.bytes -= sizeOf(e);
      return undefined;
    }
    // A page read again and again is already the most recent: no reordering.
    if (e !== this.newest) {
      this.entries.delete(key);
      this.entries.set(key, e);
      this.newest = e;
    }
    return e;
  }

  set(version: string, key: string, text: string): Entry {
    const body = Buffer.from(text);
    const etag = `W/"${createHash('sha1').update(body).digest('base64url')}"`;
    const entry: Entry = { key, version, body, etag, coded: {} };
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= sizeOf(old);
      this.entries.delete(key);
    }
    if (body.length > this.maxBytes) return entry;
    this.entries.set(key, entry);
    this.newest = entry;
    this.bytes += body.length;
    this.evict();
    return entry;
  }

  /** The entry's body in `coding`, compressed on first use; null when the plain body is as good. */
  coded(entry: Entry, coding: ContentCoding): Bytes | null {
    let out = entry.coded[coding];
    if (out === undefined) {
      out = entry.body.length < MIN_COMPRESS_BYTES ? null : compressors[coding](entry.body);
      if (out && out.length >= entry.body.length) out = null;
      entry.coded[coding] = out;
      // Counted only while the entry is kept (a body too large to keep was never counted).
      if (out && this.entries.get(entry.key) === entry) {
        this.bytes += out.length;
        this.evict();
      }
    }
    return out;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes held: plain and compressed bodies of the kept entries. */
  get heldBytes(): number {
    return this.bytes;
  }

  private evict(): void {
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= sizeOf(e);
    }
  }
}

function sizeOf(e: Entry): number {
  return e.body.length + (e.coded.br?.length ?? 0) + (e.coded.gzip?.length ?? 0);
}

/**
 * The coding to send for an Accept-Encoding header (RFC 9110 §12.5.3): the highest weight among
 * br and gzip (`*` stands for either when not named), br on a tie; null for none (plain).
 */
export function preferredCoding(header: string | undefined): ContentCoding | null {
  if (!header) return null;
  let star: number | undefined;
  const q: Partial<Record<ContentCoding, number>> = {};
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';');
    const coding = name.trim().toLowerCase();
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) weight = Number(m[1]);
    }
    if (Number.isNaN(weight)) continue;
    if (coding === 'br' || coding === 'gzip') q[coding] = weight;
    else if (coding === 'x-gzip') q.gzip ??= weight;
    else if (coding === '*') star = weight;
  }
  const br = q.br ?? star ?? 0;
  const gzip = q.gzip ?? star ?? 0;
  if (br <= 0 && gzip <= 0) return null;
  return br >= gzip ? 'br' : 'gzip';
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
  // Clients send the same Accept-Encoding on every request: the last one is parsed once.
  let lastAccept: string | undefined;
  let lastCoding: ContentCoding | null = null;
  const codingFor = (accept: string | undefined) => {
    if (accept !== lastAccept) {
      lastCoding = preferredCoding(accept);
      lastAccept = accept;
    }
    return lastCoding;
  };
  const send = (c: Context, e: Entry): Response => {
    if (c.req.header('if-none-match') === e.etag)
      return c.body(null, 304, { etag: e.etag, vary: 'Accept-Encoding' });
    const coding = codingFor(c.req.header('accept-encoding'));
    const coded = coding ? memo.coded(e, coding) : null;
    // The same weak ETag for every coding: they are one representation's bytes (as nginx does).
    const headers: Record<string, string> = {
      'content-type': JSON_TYPE,
      etag: e.etag,
      vary: 'Accept-Encoding',
    };
    if (coding && coded) headers['content-encoding'] = coding;
    // Buffer bodies: written to the socket as they are, no UTF-8 encoding per request.
    return c.body(coded ?? e.body, 200, headers);
  };
  return async (c, next) => {
    if (c.req.method !== 'GET' || !opts.paths.test(c.req.path)) return next();
    const version = opts.version(c);
    if (version === null) return next();
    const key = `${c.req.path}?${normalizedQuery(c.req.url)}`;
    const hit = memo.get(version, key);
    if (hit) return send(c, hit);
    await next();
    const res = c.res;
    // Only a success, and only when nothing changed while it was built (an await inside a handler
    // lets a write or the link minute move on): the body then belongs to `version`.
    if (res.status !== 200 || !res.headers.get('content-type')?.startsWith(JSON_TYPE)) return;
    const body = await res.clone().text();
    if (opts.version(c) !== version) return;
    c.res = send(c, memo.set(version, key, body));
  };
}

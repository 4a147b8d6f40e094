import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mulberry32 } from '../support/synthetic-faces';

/**
 * A fake OSS bucket on 127.0.0.1 for tests: ListObjectsV2 (`GET /?list-type=2`, prefix,
 * max-keys ≤ 1000, continuation-token, start-after, encoding-type=url) answering the XML OSS
 * sends (with encoding-type=url: keys, prefix and NextContinuationToken URL-encoded), HeadObject (`HEAD /<key>`, 200 or 404)
 * and DeleteMultipleObjects (`POST /?delete`, Content-MD5 checked, quiet or verbose answer). ali-oss talks to it with
 * `endpoint: http://127.0.0.1:PORT` (an IP endpoint: no bucket in the host name).
 *
 * Faults: `failNext(n, kind)` or a seeded random share of requests (`randomFaults`), as
 * 503 `ServiceUnavailable` XML errors or connections reset before any answer.
 */
export interface FakeOss {
  endpoint: string;
  bucket: string;
  /** Keys in the bucket (a Set: add and delete freely between calls). */
  keys: Set<string>;
  requests: { method: string; query: Record<string, string>; status: number }[];
  /** Keys removed by DeleteMultipleObjects, in order. */
  deleted: string[];
  listCalls: () => number;
  failNext(count: number, kind?: 'server-error' | 'reset'): void;
  randomFaults(f: { rate: number; seed?: number } | null): void;
  close(): Promise<void>;
}

const xmlUnescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** OSS orders keys by their UTF-8 bytes. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

export async function startFakeOss(bucket: string, keys: Iterable<string> = []): Promise<FakeOss> {
  const state = new Set(keys);
  const requests: FakeOss['requests'] = [];
  const deleted: string[] = [];
  let pending: { count: number; kind: 'server-error' | 'reset' } | null = null;
  let random: { rate: number; next: () => number } | null = null;

  const xml = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, {
      'content-type': 'application/xml',
      'x-oss-request-id': `fake-${requests.length}`,
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const record = { method: req.method ?? '', query, status: 0 };
    requests.push(record);
    let fault: 'server-error' | 'reset' | null = null;
    if (pending && pending.count > 0) {
      pending.count--;
      fault = pending.kind;
    } else if (random && random.next() < random.rate) {
      fault = random.next() < 0.5 ? 'server-error' : 'reset';
    }
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === 'server-error') {
      record.status = 503;
      return xml(
        res,
        503,
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message><RequestId>fake</RequestId></Error>`,
      );
    }
    if (req.method === 'HEAD') {
      const key = decodeURIComponent(url.pathname.slice(1));
      record.status = state.has(key) ? 200 : 404;
      res.writeHead(record.status, { 'content-length': 0 });
      return res.end();
    }
    // DeleteMultipleObjects: POST /?delete, an XML list of keys, Content-MD5 required (OSS API reference).
    if (req.method === 'POST' && url.pathname === '/' && 'delete' in query) {
      const md5 = createHash('md5').update(body).digest('base64');
      if (req.headers['content-md5'] !== md5) {
        record.status = 400;
        return xml(
          res,
          400,
          '<Error><Code>InvalidDigest</Code><Message>Content-MD5 mismatch</Message></Error>',
        );
      }
      const text = body.toString('utf8');
      const keys = [...text.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => xmlUnescape(m[1]!));
      if (!keys.length || keys.length > 1000) {
        record.status = 400;
        return xml(res, 400, '<Error><Code>MalformedXML</Code><Message>1 to 1000 keys</Message></Error>');
      }
      for (const key of keys) state.delete(key);
      deleted.push(...keys);
      record.status = 200;
      const quiet = /<Quiet>true<\/Quiet>/.test(text);
      return xml(
        res,
        200,
        `<?xml version="1.0" encoding="UTF-8"?><DeleteResult>${quiet ? '' : keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('')}</DeleteResult>`,
      );
    }
    if (req.method !== 'GET' || url.pathname !== '/' || query['list-type'] !== '2') {
      record.status = 400;
      return xml(res, 400, '<Error><Code>InvalidRequest</Code><Message>only ListObjectsV2</Message></Error>');
    }
    const prefix = query.prefix ?? '';
    const max = Math.min(1000, Number(query['max-keys'] ?? 100));
    const encode = query['encoding-type'] === 'url';
    // Tokens are standard base64 (with + / =) of "~<last key>"; one sent back still URL-encoded is refused.
    const token = query['continuation-token'];
    const decoded =
      token && /^[A-Za-z0-9+/]+=*$/.test(token) ? Buffer.from(token, 'base64').toString('utf8') : null;
    if (token && !decoded?.startsWith('~')) {
      record.status = 400;
      return xml(
        res,
        400,
        '<Error><Code>InvalidArgument</Code><Message>invalid continuation-token</Message></Error>',
      );
    }
    const after = decoded ? decoded.slice(1) : (query['start-after'] ?? '');
    const sorted = [...state].filter((k) => k.startsWith(prefix) && byteOrder(k, after) > 0).sort(byteOrder);
    const page = sorted.slice(0, max);
    const truncated = sorted.length > max;
    const enc = (s: string) => xmlEscape(encode ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
    const contents = page
      .map(
        (k) =>
          `<Contents><Key>${enc(k)}</Key><LastModified>2026-11-30T10:00:00.000Z</LastModified><ETag>"E"</ETag><Type>Normal</Type><Size>1024</Size><StorageClass>Standard</StorageClass></Contents>`,
      )
      .join('');
    const next = truncated ? Buffer.from(`~${page.at(-1)!}`).toString('base64') : '';
    record.status = 200;
    xml(
      res,
      200,
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name><Prefix>${enc(prefix)}</Prefix><MaxKeys>${max}</MaxKeys>${encode ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${truncated}</IsTruncated><KeyCount>${page.length}</KeyCount>${query['continuation-token'] ? `<ContinuationToken>${query['continuation-token']}</ContinuationToken>` : ''}${next ? `<NextContinuationToken>${enc(next)}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`,
    );
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    keys: state,
    requests,
    deleted,
    listCalls: () => requests.filter((r) => r.method === 'GET').length,
    failNext: (count, kind = 'server-error') => {
      pending = { count, kind };
    },
    randomFaults: (f) => {
      random = f && { rate: f.rate, next: mulberry32(f.seed ?? 7) };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

/**
 * FC 3.0 events and context for handler tests, built from the documented templates in
 * test/fixtures/fc (cloud-reference §3.3–3.5), plus a stdout log capture.
 */
const fixture = (name: string): any =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/fc/${name}`, import.meta.url)), 'utf8'));

export interface OssChange {
  key: string;
  removed?: boolean;
  bucket?: string;
  eventName?: string;
}

/** An OSS trigger payload (a Buffer, as FC passes it) with one record per change. */
export function ossEvent(changes: OssChange[]): Buffer {
  const put = fixture('oss-put.json').events[0];
  const del = fixture('oss-delete.json').events[0];
  const events = changes.map((c) => {
    const e = structuredClone(c.removed ? del : put);
    e.oss.object.key = c.key;
    if (c.bucket) {
      e.oss.bucket.name = c.bucket;
      e.oss.bucket.arn = `acs:oss:cn-shanghai:123456789:${c.bucket}`;
    }
    if (c.eventName) e.eventName = c.eventName;
    return e;
  });
  return Buffer.from(JSON.stringify({ events }));
}

export function timerEvent(): Buffer {
  return Buffer.from(JSON.stringify(fixture('timer.json')));
}

export interface HttpOptions {
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: Buffer;
  contentType?: string;
}

export function httpEvent(method: string, path: string, opts: HttpOptions = {}): Buffer {
  const e = fixture('http-get.json');
  const [pathname, search] = path.split('?');
  e.rawPath = pathname;
  e.requestContext.http.method = method;
  e.requestContext.http.path = decodeURIComponent(pathname!);
  e.queryParameters = { ...Object.fromEntries(new URLSearchParams(search ?? '')), ...opts.query };
  e.headers = { ...e.headers, ...opts.headers };
  if (opts.rawBody) {
    e.body = opts.rawBody.toString('base64');
    e.isBase64Encoded = true;
    e.headers['content-type'] = opts.contentType ?? 'application/octet-stream';
  } else if (opts.body !== undefined) {
    e.body = JSON.stringify(opts.body);
    e.headers['content-type'] = 'application/json';
  }
  return Buffer.from(JSON.stringify(e));
}

export function fcContext(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fixture('context.json'), ...overrides };
}

export interface LogCapture {
  lines: () => Record<string, any>[];
  raw: () => string;
  events: (name: string) => Record<string, any>[];
  clear: () => void;
  restore: () => void;
}

/** Captures the JSON log lines the album writes to stdout (the logger writes whole lines). */
export function captureLogs(): LogCapture {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write);
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return { unparsed: l };
        }
      });
  return {
    lines,
    raw: () => chunks.join(''),
    events: (name) => lines().filter((l) => l.event === name),
    clear: () => {
      chunks.length = 0;
    },
    restore: () => spy.mockRestore(),
  };
}

/** Environment for the IMM runtime pointed at a fake, with fast retries and polling. */
export function immEnv(endpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ALBUM_BUCKET: 'testbucket',
    IMM_PROJECT: 'album_p',
    IMM_DATASET: 'album_d',
    IMM_ENDPOINT: endpoint,
    IMM_REGION: 'cn-shanghai',
    PHOTO_PREFIX: 'photos/',
    IMM_RETRY_BASE_MS: '5',
    IMM_RETRY_MAX_MS: '20',
    IMM_POLL_MIN_MS: '10',
    IMM_POLL_MAX_MS: '40',
    ...extra,
  };
}

const ENV_KEYS = [
  'ALBUM_BUCKET',
  'IMM_PROJECT',
  'IMM_DATASET',
  'IMM_ENDPOINT',
  'IMM_REGION',
  'PHOTO_PREFIX',
  'IMM_RETRY_BASE_MS',
  'IMM_RETRY_MAX_MS',
  'IMM_RETRY_MAX_ATTEMPTS',
  'IMM_POLL_MIN_MS',
  'IMM_POLL_MAX_MS',
  'IMM_AUTO_CREATE',
  'CLUSTER_WAIT_SECONDS',
  'ALBUM_API_KEY',
  'CORS_ORIGINS',
  'OSS_KEY_ENCODING',
  'URL_EXPIRES_SECONDS',
  'OSS_ENDPOINT',
  'CLUSTERABLE_MIN_FACE',
  'CLUSTERABLE_MAX_ANGLE',
  'CLUSTERABLE_MIN_QUALITY',
  'IMM_SERVICE_ROLE',
];

/** Sets the variables (clearing the album's other ones) and returns a restore function. */
export function setEnv(values: Record<string, string>): () => void {
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
  Object.assign(process.env, values);
  return () => {
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  };
}

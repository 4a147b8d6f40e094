import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createImmRuntimeFactory } from '../../src/imm/imm-runtime';
import type { Logger } from '../../src/log/logger';
import {
  createClustererHandler,
  createHttpHandler,
  createIndexerHandler,
} from '../../src/runtime/fc-handlers';

export { captureLogs, type LogCapture } from '../support/log-capture';

/**
 * FC 3.0 events and context for handler tests, built from the documented templates in
 * test/fixtures/fc (cloud-reference §3.3–3.5), plus a log capture and the functions wired for a fake IMM.
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

const safeDecode = (path: string) => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

export function httpEvent(method: string, path: string, opts: HttpOptions = {}): Buffer {
  const e = fixture('http-get.json');
  const [pathname, search] = path.split('?');
  e.rawPath = pathname;
  e.requestContext.http.method = method;
  // FC decodes the path it reports; a malformed escape stays as sent.
  e.requestContext.http.path = safeDecode(pathname!);
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

/**
 * The three deployed functions wired as functions/*\/index.ts wire them (IMM runtime factory, root
 * logger), with the test's logger. `env` is read at each invocation, so setEnv() applies.
 */
export function immFunctions(log: Logger, env: NodeJS.ProcessEnv = process.env) {
  // One factory per function, as deployed: each validates only the settings it reads.
  const runtime = (fn: 'api' | 'indexer' | 'clusterer') => createImmRuntimeFactory({ fn, log, env });
  return {
    api: createHttpHandler({ runtime: runtime('api'), log }),
    indexer: createIndexerHandler({ runtime: runtime('indexer'), log }),
    clusterer: createClustererHandler({ runtime: runtime('clusterer'), log }),
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
  'LIBRARY_MODE',
  'ALBUM_TOKEN_SECRET',
  'CLUSTER_MAX_LIBRARIES',
  'CLUSTER_SCAN_LIBRARIES',
  'CLUSTER_CALLS_PER_SECOND',
  'VIDEO_MAX_FRAMES',
  'OSS_FRAMES_ENDPOINT',
  'VIDEO_FRAME_STEP_SECONDS',
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

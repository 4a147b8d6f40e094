/**
 * Smoke check of a deployed stack (after `npm run deploy`):
 *   1. invokes the clusterer once, synchronously, with a timer-shaped event;
 *   2. GET <ALBUM_API_URL>/health (no key);
 *   3. GET <ALBUM_API_URL>/people?limit=5 without the key (must be 401) and with it (must be 200).
 * Exits 0 when every step passes, 1 when one fails, 2 when configuration is missing.
 *
 * The clusterer is invoked with `@alicloud/fc20230330` (FC API 2023-03-30). `@alicloud/fc2` is not
 * usable here: it only speaks API 2016-08-15, whose invoke path is /services/<service>/functions/<fn>,
 * and FC 3.0 functions (created by the fc3 component) have no service.
 */

import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import FcModule, * as $Fc from '@alicloud/fc20230330';
import { $OpenApiUtil } from '@alicloud/openapi-core';

/** Variables without which the smoke cannot run (credentials are the deployer's, never logged). */
export const REQUIRED_ENV = [
  'ALIBABA_CLOUD_ACCESS_KEY_ID',
  'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  'ALBUM_API_URL',
  'ALBUM_API_KEY',
] as const;

export interface SmokeConfig {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string | undefined;
  region: string;
  /** host[:port] of the FC 3.0 API; http:// prefix allowed (tests use a loopback stub). */
  fcEndpoint: string;
  clustererName: string;
  apiUrl: string;
  apiKey: string;
  invokeTimeoutMs: number;
}

export function missingEnv(env: NodeJS.ProcessEnv): string[] {
  return REQUIRED_ENV.filter((name) => !env[name]?.trim());
}

export function smokeConfig(env: NodeJS.ProcessEnv): SmokeConfig {
  // Same defaults as s.yaml, so a deploy with defaults needs no extra variables here.
  const region = env.ALBUM_REGION || 'cn-hangzhou';
  const prefix = env.ALBUM_NAME_PREFIX || 'face-album';
  return {
    accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '',
    accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '',
    securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined,
    region,
    fcEndpoint: env.FC_ENDPOINT || `fcv3.${region}.aliyuncs.com`,
    clustererName: `${prefix}-clusterer`,
    apiUrl: (env.ALBUM_API_URL ?? '').replace(/\/+$/, ''),
    apiKey: env.ALBUM_API_KEY ?? '',
    // The clusterer may wait for an IMM task for up to its 600 s timeout.
    invokeTimeoutMs: Number(env.SMOKE_INVOKE_TIMEOUT_MS) || 660_000,
  };
}

// Node's ESM loader hands over module.exports of this CommonJS package; the class is its `default`.
const FcClient = ((FcModule as unknown as { default?: typeof FcModule }).default ??
  FcModule) as typeof FcModule;
type InvokeRuntime = Parameters<InstanceType<typeof FcModule>['invokeFunctionWithOptions']>[3];

export interface StepResult {
  step: string;
  ok: boolean;
  detail: string;
  ms: number;
}

async function timed(step: string, run: () => Promise<string>): Promise<StepResult> {
  const started = Date.now();
  try {
    return { step, ok: true, detail: await run(), ms: Date.now() - started };
  } catch (err) {
    return {
      step,
      ok: false,
      detail: err instanceof Error ? err.message : String(err),
      ms: Date.now() - started,
    };
  }
}

async function readAll(body: Readable | undefined): Promise<string> {
  if (!body) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
}

export async function invokeClusterer(cfg: SmokeConfig): Promise<string> {
  const url = /^https?:\/\//.test(cfg.fcEndpoint) ? new URL(cfg.fcEndpoint) : null;
  const client = new FcClient(
    new $OpenApiUtil.Config({
      accessKeyId: cfg.accessKeyId,
      accessKeySecret: cfg.accessKeySecret,
      securityToken: cfg.securityToken,
      regionId: cfg.region,
      endpoint: url ? url.host : cfg.fcEndpoint,
      protocol: url ? url.protocol.replace(':', '').toUpperCase() : 'HTTPS',
      readTimeout: cfg.invokeTimeoutMs,
      connectTimeout: 10_000,
    }),
  );
  const event = JSON.stringify({
    triggerTime: new Date().toISOString(),
    triggerName: 'smoke',
    payload: 'smoke',
  });
  const res = await client.invokeFunctionWithOptions(
    cfg.clustererName,
    new $Fc.InvokeFunctionRequest({ body: Readable.from([Buffer.from(event)]) }),
    new $Fc.InvokeFunctionHeaders({ xFcInvocationType: 'Sync', xFcLogType: 'None' }),
    // openapi-core reads these fields off the runtime object (its RuntimeOptions is a field bag);
    // retries are config-level and off by default, so a slow clustering pass is not re-invoked.
    { readTimeout: cfg.invokeTimeoutMs, connectTimeout: 10_000 } as InvokeRuntime,
  );
  const text = await readAll(res.body);
  const errorType = res.headers?.['x-fc-error-type'];
  if (errorType) throw new Error(`function error (${errorType}): ${text.slice(0, 500)}`);
  let result: { ok?: boolean; outcome?: string; taskId?: string | null; error?: string };
  try {
    result = JSON.parse(text) as typeof result;
  } catch {
    throw new Error(`clusterer returned non-JSON: ${text.slice(0, 200)}`);
  }
  if (result.ok !== true)
    throw new Error(`clusterer reported failure: ${result.error ?? result.outcome ?? text.slice(0, 200)}`);
  return `outcome=${result.outcome ?? '?'} taskId=${result.taskId ?? '-'}`;
}

async function getJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    headers: { accept: 'application/json', ...headers },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* reported by the caller via status/shape */
  }
  return { status: res.status, json };
}

export async function checkApi(cfg: SmokeConfig): Promise<StepResult[]> {
  const results: StepResult[] = [];
  results.push(
    await timed('GET /health', async () => {
      const { status, json } = await getJson(`${cfg.apiUrl}/health`);
      const body = json as { ok?: boolean; backend?: string } | null;
      if (status !== 200 || body?.ok !== true)
        throw new Error(`status ${status}, body ${JSON.stringify(json)?.slice(0, 200)}`);
      return `backend=${body.backend ?? '?'}`;
    }),
  );
  results.push(
    await timed('GET /people without key → 401', async () => {
      const { status } = await getJson(`${cfg.apiUrl}/people?limit=5`);
      if (status !== 401)
        throw new Error(`expected 401, got ${status}: the API answers without the bearer key`);
      return 'rejected';
    }),
  );
  results.push(
    await timed('GET /people?limit=5', async () => {
      const { status, json } = await getJson(`${cfg.apiUrl}/people?limit=5`, {
        authorization: `Bearer ${cfg.apiKey}`,
      });
      const body = json as { items?: unknown[]; nextCursor?: unknown } | null;
      if (status !== 200 || !Array.isArray(body?.items))
        throw new Error(`status ${status}, body ${JSON.stringify(json)?.slice(0, 200)}`);
      return `${body.items.length} people, nextCursor=${body.nextCursor ? 'yes' : 'none'}`;
    }),
  );
  return results;
}

export async function runSmoke(
  env: NodeJS.ProcessEnv,
  print: (line: string) => void = console.log,
): Promise<number> {
  const missing = missingEnv(env);
  if (missing.length) {
    print(`smoke: missing environment variables: ${missing.join(', ')}`);
    print(
      'smoke: optional: ALIBABA_CLOUD_SECURITY_TOKEN, ALBUM_REGION (cn-hangzhou), ALBUM_NAME_PREFIX (face-album), FC_ENDPOINT (fcv3.<region>.aliyuncs.com)',
    );
    return 2;
  }
  const cfg = smokeConfig(env);
  print(
    `smoke: region ${cfg.region}, FC endpoint ${cfg.fcEndpoint}, clusterer ${cfg.clustererName}, API ${cfg.apiUrl}`,
  );
  const results = [
    await timed(`invoke ${cfg.clustererName}`, () => invokeClusterer(cfg)),
    ...(await checkApi(cfg)),
  ];
  for (const r of results)
    print(`${r.ok ? 'PASS' : 'FAIL'}  ${r.step.padEnd(34)} ${String(r.ms).padStart(6)} ms  ${r.detail}`);
  const failed = results.filter((r) => !r.ok).length;
  print(
    failed
      ? `smoke: ${failed} of ${results.length} checks failed`
      : `smoke: all ${results.length} checks passed`,
  );
  return failed ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runSmoke(process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error('smoke: unexpected error:', err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}

import { z } from 'zod';
import { AlbumService } from '../album/album-service';
import { ConfigError, loadAlbumConfig, loadImmConfig } from '../config/album-config';
import { contextCredentials, type FcContext, type StsCredentials } from '../fc/fc-context';
import type { KeyEncoding } from '../fc/oss-event';
import { createApiApp } from '../http/api-app';
import { createLogger } from '../log/logger';
import type { AlbumRuntime, RuntimeFactory } from '../runtime/album-runtime';
import { ImmBackend } from './imm-backend';
import { ImmClient } from './imm-client';
import { OssMediaLinks } from './oss-media-links';

/**
 * The cloud runtime: IMM backend + OSS signed links + the shared service and HTTP app.
 * No native or ML imports here — this file is what esbuild bundles for FC.
 */
const TuningSchema = z.object({
  OSS_KEY_ENCODING: z.enum(['auto', 'raw', 'url']).default('auto'),
  IMM_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(5),
  IMM_RETRY_BASE_MS: z.coerce.number().int().min(1).max(10_000).default(200),
  IMM_RETRY_MAX_MS: z.coerce.number().int().min(1).max(60_000).default(5_000),
  IMM_POLL_MIN_MS: z.coerce.number().int().min(1).max(60_000).default(1_000),
  IMM_POLL_MAX_MS: z.coerce.number().int().min(1).max(60_000).default(15_000),
});

/** Margin left before FC's timeout for the handler to log and return. */
const RETURN_MARGIN_MS = 5_000;

function envCredentials(env: NodeJS.ProcessEnv): StsCredentials | null {
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) return null;
  return { accessKeyId, accessKeySecret, securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined };
}

let cached: { key: string; runtime: AlbumRuntime; client: ImmClient } | null = null;

export function buildImmRuntime(
  ctx: FcContext,
  env: NodeJS.ProcessEnv = process.env,
): { key: string; runtime: AlbumRuntime; client: ImmClient } {
  const credentials = contextCredentials(ctx) ?? envCredentials(env);
  if (!credentials)
    throw new ConfigError(
      'invalid configuration: no credentials (give the function a role, or set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET)',
    );
  const album = loadAlbumConfig(env);
  const imm = loadImmConfig(env, ctx.region);
  const tuning = TuningSchema.safeParse(env);
  if (!tuning.success)
    throw new ConfigError(
      `invalid configuration: ${tuning.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const t = tuning.data;
  // Rebuild when the STS keys rotate or the configuration changes; reuse otherwise (warm starts).
  const key = JSON.stringify([credentials.accessKeyId, credentials.securityToken ?? '', album, imm, t]);
  if (cached?.key === key) return cached;

  const log = createLogger();
  const client = new ImmClient({
    region: imm.region,
    credentials,
    endpoint: imm.endpoint,
    log,
    retry: {
      maxAttempts: t.IMM_RETRY_MAX_ATTEMPTS,
      baseDelayMs: t.IMM_RETRY_BASE_MS,
      maxDelayMs: t.IMM_RETRY_MAX_MS,
    },
  });
  const backend = new ImmBackend({
    client,
    config: imm,
    poll: { minMs: t.IMM_POLL_MIN_MS, maxMs: t.IMM_POLL_MAX_MS },
  });
  const media = new OssMediaLinks({
    region: imm.region,
    bucket: imm.bucket,
    credentials,
    expiresSeconds: album.urlExpiresSeconds,
    endpoint: imm.ossEndpoint,
  });
  const service = new AlbumService(backend, media, album);
  const api = createApiApp({ service, log, bucket: imm.bucket });
  cached = { key, client, runtime: { service, api, log, keyEncoding: t.OSS_KEY_ENCODING as KeyEncoding } };
  return cached;
}

export const immRuntime: RuntimeFactory = (ctx) => {
  const built = buildImmRuntime(ctx);
  // FC built-in runtimes serve one request per instance, so a per-invocation bound is safe here.
  const timeout = ctx.function?.timeout;
  // Keep a margin to log and return, but never eat more than half of a short timeout.
  const budget = timeout ? Math.max(timeout * 500, timeout * 1000 - RETURN_MARGIN_MS) : null;
  built.client.setInvocationDeadline(budget ? Date.now() + budget : null);
  return built.runtime;
};

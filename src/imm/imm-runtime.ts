import { AlbumService } from '../album/album-service';
import { ConfigError } from '../config/env-parse';
import { type CloudFunction, loadCloudConfig } from '../config/function-settings';
import { contextCredentials, type FcContext, type StsCredentials } from '../fc/fc-context';
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

/** Margin left before FC's timeout for the handler to log and return. */
const RETURN_MARGIN_MS = 5_000;

export function envCredentials(env: NodeJS.ProcessEnv): StsCredentials | null {
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (!accessKeyId || !accessKeySecret) return null;
  return { accessKeyId, accessKeySecret, securityToken: env.ALIBABA_CLOUD_SECURITY_TOKEN || undefined };
}

interface Built {
  key: string;
  runtime: AlbumRuntime;
  client: ImmClient;
}

/** Per-process cache (one per function kind): warm invocations reuse clients and connections. */
const cache = new Map<CloudFunction, Built>();

export function buildImmRuntime(
  fn: CloudFunction,
  ctx: FcContext,
  env: NodeJS.ProcessEnv = process.env,
): Built {
  const credentials = contextCredentials(ctx) ?? envCredentials(env);
  if (!credentials)
    throw new ConfigError(
      'invalid configuration: no credentials (give the function a role, or set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET)',
    );
  const config = loadCloudConfig(fn, env, ctx.region);
  // Rebuild when the STS keys rotate or the configuration changes; reuse otherwise (warm starts).
  const key = JSON.stringify([credentials.accessKeyId, credentials.securityToken ?? '', config]);
  const cached = cache.get(fn);
  if (cached?.key === key) return cached;

  const { album, imm, oss } = config;
  const log = createLogger();
  const client = new ImmClient({
    region: imm.region,
    credentials,
    endpoint: imm.endpoint,
    log,
    retry: imm.retry,
  });
  const backend = new ImmBackend({ client, config: imm, poll: imm.poll });
  // The indexer and clusterer never sign URLs, so they do not need (or validate) the bucket.
  const bucket = oss?.bucket ?? '';
  const media = new OssMediaLinks({
    region: imm.region,
    bucket,
    credentials,
    expiresSeconds: album.urlExpiresSeconds,
    endpoint: oss?.endpoint,
  });
  const service = new AlbumService(backend, media, album);
  const api = createApiApp({ service, log, bucket });
  const built = { key, client, runtime: { service, api, log, keyEncoding: config.keyEncoding } };
  cache.set(fn, built);
  return built;
}

/** The runtime factory a deployed function passes to its handler; validates only what `fn` reads. */
export function createImmRuntime(fn: CloudFunction): RuntimeFactory {
  return (ctx) => {
    const built = buildImmRuntime(fn, ctx);
    // FC built-in runtimes serve one request per instance, so a per-invocation bound is safe here.
    const timeout = ctx.function?.timeout;
    // Keep a margin to log and return, but never eat more than half of a short timeout.
    const budget = timeout ? Math.max(timeout * 500, timeout * 1000 - RETURN_MARGIN_MS) : null;
    built.client.setInvocationDeadline(budget ? Date.now() + budget : null);
    return built.runtime;
  };
}

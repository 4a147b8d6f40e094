import { z } from 'zod';
import { AlbumService } from '../album/album-service';
import {
  type AlbumConfig,
  ConfigError,
  type ImmConfig,
  loadAlbumConfig,
  loadImmConfig,
} from '../config/album-config';
import { contextCredentials, type FcContext, type StsCredentials } from '../fc/fc-context';
import type { KeyEncoding } from '../fc/oss-event';
import { createApiApp } from '../http/api-app';
import type { Logger } from '../log/logger';
import type { RuntimeFactory } from '../runtime/album-runtime';
import { formatIssues } from '../schema/zod-issues';
import { ImmBackend } from './imm-backend';
import { ImmClient } from './imm-client';
import type { PollInterval } from './imm-clustering';
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

/** What a warm instance keeps between invocations: clients and configuration, no per-call state. */
interface ImmInstance {
  key: string;
  client: ImmClient;
  media: OssMediaLinks;
  album: AlbumConfig;
  imm: ImmConfig;
  poll: PollInterval;
  ready: { checked: boolean };
  keyEncoding: KeyEncoding;
}

function buildInstance(ctx: FcContext, env: NodeJS.ProcessEnv, log: Logger, key: string | null) {
  const credentials = contextCredentials(ctx) ?? envCredentials(env);
  if (!credentials)
    throw new ConfigError(
      'invalid configuration: no credentials (give the function a role, or set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET)',
    );
  const album = loadAlbumConfig(env);
  const imm = loadImmConfig(env, ctx.region);
  const tuning = TuningSchema.safeParse(env);
  if (!tuning.success) throw new ConfigError(`invalid configuration: ${formatIssues(tuning.error, '(env)')}`);
  const t = tuning.data;
  // Rebuild when the STS keys rotate or the configuration changes; reuse otherwise (warm starts).
  const next = JSON.stringify([credentials.accessKeyId, credentials.securityToken ?? '', album, imm, t]);
  if (next === key) return null;
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
  const media = new OssMediaLinks({
    region: imm.region,
    bucket: imm.bucket,
    credentials,
    expiresSeconds: album.urlExpiresSeconds,
    endpoint: imm.ossEndpoint,
  });
  const instance: ImmInstance = {
    key: next,
    client,
    media,
    album,
    imm,
    poll: { minMs: t.IMM_POLL_MIN_MS, maxMs: t.IMM_POLL_MAX_MS },
    ready: { checked: false },
    keyEncoding: t.OSS_KEY_ENCODING as KeyEncoding,
  };
  return instance;
}

export interface ImmRuntimeOptions {
  /** The root logger (the composition root makes it); IMM retries and calls log through it. */
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

/**
 * The IMM runtime factory the deployed functions pass to their handlers. Clients are kept for a warm
 * instance (in this factory's closure, not in a module variable); each invocation gets its own backend,
 * service and app whose IMM calls are bounded by that invocation's deadline.
 */
export function createImmRuntimeFactory({ log, env = process.env }: ImmRuntimeOptions): RuntimeFactory {
  let instance: ImmInstance | null = null;
  return (ctx) => {
    instance = buildInstance(ctx, env, log, instance?.key ?? null) ?? instance!;
    const timeout = ctx.function?.timeout;
    // Keep a margin to log and return, but never eat more than half of a short timeout.
    const budget = timeout ? Math.max(timeout * 500, timeout * 1000 - RETURN_MARGIN_MS) : null;
    const backend = new ImmBackend({
      client: instance.client.forInvocation(budget ? Date.now() + budget : null),
      config: instance.imm,
      poll: instance.poll,
      ready: instance.ready,
    });
    const service = new AlbumService(backend, instance.media, instance.album);
    const api = createApiApp({ service, log, bucket: instance.imm.bucket });
    return { service, api, keyEncoding: instance.keyEncoding };
  };
}

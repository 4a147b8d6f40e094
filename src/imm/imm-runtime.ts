import { AlbumService } from '../album/album-service';
import { CallPacer } from '../backfill/call-pacer';
import { ConfigError } from '../config/env-parse';
import { type CloudConfig, type CloudFunction, loadCloudConfig } from '../config/function-settings';
import { contextCredentials, type FcContext, type StsCredentials } from '../fc/fc-context';
import { createApiApp } from '../http/api-app';
import { singleLibrary } from '../library/album-libraries';
import { prefixLibraries } from '../library/prefix-libraries';
import type { Logger } from '../log/logger';
import type { RuntimeFactory } from '../runtime/album-runtime';
import { ImmBackend } from './imm-backend';
import { ImmClient } from './imm-client';
import { ImmLibraryHost, type LibraryCache, newLibraryCache } from './imm-libraries';
import { type FrameObjects, OssFrameObjects } from './oss-frame-objects';
import { OssMediaLinks } from './oss-media-links';

/**
 * The cloud runtime: IMM backend + OSS signed links + the shared service and HTTP app.
 * No native or ML imports here — this file is what esbuild bundles for FC.
 */

/** Margin left before FC's timeout for the handler to log and return. */
const RETURN_MARGIN_MS = 5_000;
/** How long an invocation with no known timeout waits for a video's frames. */
const DEFAULT_VIDEO_WAIT_MS = 60_000;

export function envCredentials(env: NodeJS.ProcessEnv): StsCredentials | null {
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
  config: CloudConfig;
  ready: { checked: boolean };
  /** Prefix mode: the libraries this instance has seen, and where the clusterer's scan stopped. */
  libraries: LibraryCache;
  /** The indexer's access to video frames in the bucket (null for the other functions). */
  frames: FrameObjects | null;
}

function buildInstance(
  fn: CloudFunction,
  ctx: FcContext,
  env: NodeJS.ProcessEnv,
  log: Logger,
  key: string | null,
): ImmInstance | null {
  const credentials = contextCredentials(ctx) ?? envCredentials(env);
  if (!credentials)
    throw new ConfigError(
      'invalid configuration: no credentials (give the function a role, or set ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET)',
    );
  // Only the settings this function reads are validated (src/config/function-settings.ts).
  const config = loadCloudConfig(fn, env, ctx.region);
  // Rebuild when the STS keys rotate or the configuration changes; reuse otherwise (warm starts).
  const next = JSON.stringify([credentials.accessKeyId, credentials.securityToken ?? '', config]);
  if (next === key) return null;
  const { album, imm, oss, tick } = config;
  // Prefix mode's clusterer checks every library each tick: paced, so it leaves IMM's per-project QPS to the others.
  const paced = fn === 'clusterer' && album.libraryMode === 'prefix' && tick.callsPerSecond > 0;
  const client = new ImmClient({
    region: imm.region,
    credentials,
    endpoint: imm.endpoint,
    log,
    retry: imm.retry,
    ...(paced ? { limiter: new CallPacer(tick.callsPerSecond) } : {}),
  });
  const media = new OssMediaLinks({
    region: imm.region,
    // The indexer and clusterer never sign URLs, so they do not need (or validate) the bucket.
    bucket: oss?.bucket ?? '',
    credentials,
    expiresSeconds: album.urlExpiresSeconds,
    endpoint: oss?.endpoint,
  });
  const frames =
    fn === 'indexer'
      ? new OssFrameObjects({
          region: imm.region,
          credentials,
          endpoint: config.framesEndpoint,
          retry: imm.retry,
        })
      : null;
  return {
    key: next,
    client,
    media,
    config,
    ready: { checked: false },
    libraries: newLibraryCache(),
    frames,
  };
}

export interface ImmRuntimeOptions {
  /** Which function this is: it validates only the settings that function reads. */
  fn: Exclude<CloudFunction, 'backfill'>;
  /** The root logger (the composition root makes it); IMM retries and calls log through it. */
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

/**
 * The IMM runtime factory the deployed functions pass to their handlers. Clients are kept for a warm
 * instance (in this factory's closure, not in a module variable); each invocation gets its own backend,
 * service and app whose IMM calls are bounded by that invocation's deadline.
 */
export function createImmRuntimeFactory({ fn, log, env = process.env }: ImmRuntimeOptions): RuntimeFactory {
  let instance: ImmInstance | null = null;
  return (ctx) => {
    instance = buildInstance(fn, ctx, env, log, instance?.key ?? null) ?? instance!;
    const { album, imm, oss, keyEncoding, tick } = instance.config;
    const timeout = ctx.function?.timeout;
    // Keep a margin to log and return, but never eat more than half of a short timeout.
    const budget = timeout ? Math.max(timeout * 500, timeout * 1000 - RETURN_MARGIN_MS) : null;
    const deadline = budget ? Date.now() + budget : null;
    const client = instance.client.forInvocation(deadline);
    // Videos (indexer): frame-capture tasks are polled until shortly before the invocation must return.
    const video = instance.frames
      ? {
          frames: instance.frames,
          deadline: () => deadline ?? Date.now() + DEFAULT_VIDEO_WAIT_MS,
          sampling: instance.config.video,
        }
      : undefined;
    if (album.libraryMode === 'prefix') {
      const host = new ImmLibraryHost({
        client,
        config: imm,
        album,
        media: instance.media,
        bucket: oss?.bucket ?? null,
        tick,
        cache: instance.libraries,
        ...(video ? { video } : {}),
      });
      const libraries = prefixLibraries({
        backend: 'imm',
        host,
        photoPrefix: album.photoPrefix,
        maxPerTick: tick.maxLibraries,
      });
      const api = createApiApp({ libraries, config: album, log, bucket: oss?.bucket ?? '' });
      return { libraries, service: null, api, keyEncoding };
    }
    const backend = new ImmBackend({
      client,
      config: imm,
      poll: imm.poll,
      ready: instance.ready,
      bucket: oss?.bucket ?? null,
      ...(video ? { video } : {}),
    });
    const service = new AlbumService(backend, instance.media, album);
    const libraries = singleLibrary(service);
    const api = createApiApp({ libraries, config: album, log, bucket: oss?.bucket ?? '' });
    return { libraries, service, api, keyEncoding };
  };
}

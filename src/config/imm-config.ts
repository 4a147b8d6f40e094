import { z } from 'zod';
import { bool } from './album-config';
import { ConfigError, parseEnv } from './env-parse';

/** IMM project/dataset, endpoint and the client's retry/poll tuning (every cloud function). */
const name = (what: string) =>
  z
    .string()
    .regex(/^[A-Za-z_][\w-]{0,127}$/, `${what}: letters, digits, - and _, starting with a letter or _`);

export const ImmEnvSchema = z.object({
  IMM_PROJECT: name('IMM_PROJECT').default('face-album'),
  IMM_DATASET: name('IMM_DATASET').default('faces'),
  IMM_REGION: z.string().optional(),
  /** Set by FC itself; the region of the invocation context wins over it. */
  FC_REGION: z.string().optional(),
  IMM_ENDPOINT: z.string().optional(),
  IMM_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(5),
  IMM_RETRY_BASE_MS: z.coerce.number().int().min(1).max(10_000).default(200),
  IMM_RETRY_MAX_MS: z.coerce.number().int().min(1).max(60_000).default(5_000),
});

/** Creating the project/dataset when missing (indexer and clusterer only). */
export const ImmCreateEnvSchema = z.object({
  IMM_AUTO_CREATE: bool.default(false),
  IMM_SERVICE_ROLE: z.string().default('AliyunIMMDefaultRole'),
});

/** Waiting for the clustering task (clusterer only). 540 s leaves 60 s of the 600 s timeout. */
export const ClusterEnvSchema = z.object({
  CLUSTER_WAIT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(540),
  IMM_POLL_MIN_MS: z.coerce.number().int().min(1).max(60_000).default(1_000),
  IMM_POLL_MAX_MS: z.coerce.number().int().min(1).max(60_000).default(15_000),
  /** Prefix mode: clustering tasks started per timer tick, so a flood of libraries cannot run a tick long. */
  CLUSTER_MAX_LIBRARIES: z.coerce.number().int().min(1).max(1_000).default(50),
  /**
   * Prefix mode: libraries whose statistics one tick reads (2 IMM calls each) to find the changed ones.
   * With more libraries than this, the ticks take them in turns (src/imm/imm-libraries.ts).
   */
  CLUSTER_SCAN_LIBRARIES: z.coerce.number().int().min(1).max(100_000).default(2_000),
  /**
   * Prefix mode: the clusterer's IMM calls per second. IMM allows 100 a second per project for every caller
   * together (imm-facts §9); the scan must leave most of it to the indexer and the API. 0: unpaced.
   */
  CLUSTER_CALLS_PER_SECOND: z.coerce.number().min(0).max(100).default(25),
});

/**
 * Frame capture of videos (indexer, backfill; src/imm/video-frames.ts): at most VIDEO_MAX_FRAMES frames a
 * video, at least VIDEO_FRAME_STEP_SECONDS apart. Each frame is an IMM snapshot and an indexed image.
 */
export const VideoEnvSchema = z.object({
  VIDEO_MAX_FRAMES: z.coerce.number().int().min(1).max(100).default(30),
  VIDEO_FRAME_STEP_SECONDS: z.coerce.number().min(0.5).max(600).default(2),
});

export interface VideoSampling {
  maxFrames: number;
  minStepSeconds: number;
}

export function loadVideoSampling(env: NodeJS.ProcessEnv = process.env): VideoSampling {
  const v = parseEnv(VideoEnvSchema, env);
  return { maxFrames: v.VIDEO_MAX_FRAMES, minStepSeconds: v.VIDEO_FRAME_STEP_SECONDS };
}

/** The bucket itself: signing URLs (api) and listing it (backfill). */
export const OssEnvSchema = z.object({
  ALBUM_BUCKET: z
    .string({ error: 'ALBUM_BUCKET is required' })
    .regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'ALBUM_BUCKET must be an OSS bucket name'),
  OSS_ENDPOINT: z.string().optional(),
});

/** How the indexer reads object keys from OSS events (imm-facts §5). */
export const OssEventEnvSchema = z.object({
  OSS_KEY_ENCODING: z.enum(['auto', 'raw', 'url']).default('auto'),
});

export interface ImmConfig {
  project: string;
  dataset: string;
  region: string;
  endpoint: string | undefined;
  autoCreate: boolean;
  serviceRole: string;
  clusterWaitSeconds: number;
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  poll: { minMs: number; maxMs: number };
}

/** Prefix mode's clustering bounds per timer tick (src/imm/imm-libraries.ts). */
export interface LibraryTickConfig {
  /** Clustering tasks started per tick. */
  maxLibraries: number;
  /** Libraries whose statistics are read per tick to find the changed ones. */
  scanLibraries: number;
  /** The clusterer's IMM calls per second (0: unpaced). */
  callsPerSecond: number;
}

export function loadLibraryTickConfig(env: NodeJS.ProcessEnv = process.env): LibraryTickConfig {
  const w = parseEnv(ClusterEnvSchema, env);
  return {
    maxLibraries: w.CLUSTER_MAX_LIBRARIES,
    scanLibraries: w.CLUSTER_SCAN_LIBRARIES,
    callsPerSecond: w.CLUSTER_CALLS_PER_SECOND,
  };
}

export interface OssConfig {
  bucket: string;
  endpoint: string | undefined;
}

export function loadImmConfig(env: NodeJS.ProcessEnv = process.env, contextRegion?: string): ImmConfig {
  const e = parseEnv(ImmEnvSchema, env);
  const c = parseEnv(ImmCreateEnvSchema, env);
  const w = parseEnv(ClusterEnvSchema, env);
  const region = e.IMM_REGION ?? contextRegion ?? e.FC_REGION;
  if (!region)
    throw new ConfigError('invalid configuration: IMM_REGION is not set and no FC region is known');
  return {
    project: e.IMM_PROJECT,
    dataset: e.IMM_DATASET,
    region,
    endpoint: e.IMM_ENDPOINT,
    autoCreate: c.IMM_AUTO_CREATE,
    serviceRole: c.IMM_SERVICE_ROLE,
    clusterWaitSeconds: w.CLUSTER_WAIT_SECONDS,
    retry: {
      maxAttempts: e.IMM_RETRY_MAX_ATTEMPTS,
      baseDelayMs: e.IMM_RETRY_BASE_MS,
      maxDelayMs: e.IMM_RETRY_MAX_MS,
    },
    poll: { minMs: w.IMM_POLL_MIN_MS, maxMs: w.IMM_POLL_MAX_MS },
  };
}

export function loadOssConfig(env: NodeJS.ProcessEnv = process.env): OssConfig {
  const e = parseEnv(OssEnvSchema, env);
  return { bucket: e.ALBUM_BUCKET, endpoint: e.OSS_ENDPOINT };
}

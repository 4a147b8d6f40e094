import type { z } from 'zod';
import { LIBRARY_NAME_MAX } from '../library/library-name';
import { type AlbumConfig, AlbumEnvSchema, loadAlbumConfig } from './album-config';
import { BackfillEnvSchema } from './backfill-config';
import { ConfigError, parseEnv, scopeEnv } from './env-parse';
import {
  ClusterEnvSchema,
  type ImmConfig,
  ImmCreateEnvSchema,
  ImmEnvSchema,
  type LibraryTickConfig,
  loadImmConfig,
  loadLibraryTickConfig,
  loadOssConfig,
  loadVideoSampling,
  type OssConfig,
  OssEnvSchema,
  OssEventEnvSchema,
  VideoEnvSchema,
  type VideoSampling,
} from './imm-config';

/**
 * Which settings each cloud function reads. A function validates only these, so a bad setting
 * of another function (an api-only key too short) can never stop the indexer; s.yaml forwards
 * exactly these (test/deploy-s-yaml.test.ts checks both directions).
 */
export type CloudFunction = 'indexer' | 'clusterer' | 'api' | 'backfill';

const keys = (...schemas: z.ZodObject[]): string[] => schemas.flatMap((s) => Object.keys(s.shape));
const ALBUM = Object.keys(AlbumEnvSchema.shape);
const API_ONLY = ALBUM.filter((k) => k !== 'PHOTO_PREFIX');

export const FUNCTION_SETTINGS: Record<CloudFunction, readonly string[]> = {
  indexer: [
    'PHOTO_PREFIX',
    'LIBRARY_MODE',
    ...keys(ImmEnvSchema, ImmCreateEnvSchema, OssEventEnvSchema, VideoEnvSchema),
    // Frames of videos: listed and deleted in the bucket the event names.
    'OSS_FRAMES_ENDPOINT',
    'LOG_LEVEL',
  ],
  clusterer: ['LIBRARY_MODE', ...keys(ImmEnvSchema, ImmCreateEnvSchema, ClusterEnvSchema), 'LOG_LEVEL'],
  api: [...API_ONLY, ...keys(ImmEnvSchema, OssEnvSchema), 'LOG_LEVEL'],
  backfill: [
    'PHOTO_PREFIX',
    'LIBRARY_MODE',
    ...keys(ImmEnvSchema, OssEnvSchema, BackfillEnvSchema, VideoEnvSchema),
    'LOG_LEVEL',
  ],
};

/** Optional endpoints/regions s.yaml forwards as '' when the deployer did not set them. */
export const EMPTY_MEANS_UNSET = [
  'IMM_REGION',
  'IMM_ENDPOINT',
  'OSS_ENDPOINT',
  'OSS_FRAMES_ENDPOINT',
  'ALBUM_TOKEN_SECRET',
] as const;

/** Prefix mode: `<IMM_DATASET>-<library>` with a library of up to 64 characters stays within IMM's 128. */
export const LIBRARY_DATASET_BASE_MAX = 128 - 1 - LIBRARY_NAME_MAX;

export interface CloudConfig {
  album: AlbumConfig;
  imm: ImmConfig;
  /** Only for the functions that read the bucket (api, backfill). */
  oss: OssConfig | null;
  keyEncoding: 'auto' | 'raw' | 'url';
  /** Prefix mode's clustering bounds (the clusterer reads them; the others keep the defaults). */
  tick: LibraryTickConfig;
  /** Frame capture of videos (indexer, backfill). */
  video: VideoSampling;
  /**
   * Where the indexer lists and deletes video frames (OSS_FRAMES_ENDPOINT; backfill: OSS_ENDPOINT);
   * undefined = the region's public endpoint. Unlike OSS_ENDPOINT it need not be reachable by browsers.
   */
  framesEndpoint: string | undefined;
}

/** Validates what `fn` reads; settings it does not read keep their defaults, unvalidated. */
export function loadCloudConfig(
  fn: CloudFunction,
  env: NodeJS.ProcessEnv = process.env,
  contextRegion?: string,
): CloudConfig {
  const scoped = scopeEnv(env, FUNCTION_SETTINGS[fn], EMPTY_MEANS_UNSET);
  const usesBucket = FUNCTION_SETTINGS[fn].includes('ALBUM_BUCKET');
  const album = loadAlbumConfig(scoped);
  const imm = loadImmConfig(scoped, contextRegion);
  if (album.libraryMode === 'prefix' && imm.dataset.length > LIBRARY_DATASET_BASE_MAX)
    throw new ConfigError(
      `invalid configuration: IMM_DATASET: at most ${LIBRARY_DATASET_BASE_MAX} characters with LIBRARY_MODE=prefix (each library's dataset is "<IMM_DATASET>-<library>", at most 128 characters)`,
    );
  return {
    album,
    imm,
    oss: usesBucket ? loadOssConfig(scoped) : null,
    keyEncoding: parseEnv(OssEventEnvSchema, scoped).OSS_KEY_ENCODING,
    tick: loadLibraryTickConfig(scoped),
    video: loadVideoSampling(scoped),
    framesEndpoint: (fn === 'indexer' ? scoped.OSS_FRAMES_ENDPOINT : scoped.OSS_ENDPOINT) || undefined,
  };
}

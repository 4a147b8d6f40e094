import type { z } from 'zod';
import { type AlbumConfig, AlbumEnvSchema, loadAlbumConfig } from './album-config';
import { BackfillEnvSchema } from './backfill-config';
import { parseEnv, scopeEnv } from './env-parse';
import {
  ClusterEnvSchema,
  type ImmConfig,
  ImmCreateEnvSchema,
  ImmEnvSchema,
  loadImmConfig,
  loadOssConfig,
  type OssConfig,
  OssEnvSchema,
  OssEventEnvSchema,
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
  indexer: ['PHOTO_PREFIX', ...keys(ImmEnvSchema, ImmCreateEnvSchema, OssEventEnvSchema), 'LOG_LEVEL'],
  clusterer: [...keys(ImmEnvSchema, ImmCreateEnvSchema, ClusterEnvSchema), 'LOG_LEVEL'],
  api: [...API_ONLY, ...keys(ImmEnvSchema, OssEnvSchema), 'LOG_LEVEL'],
  backfill: ['PHOTO_PREFIX', ...keys(ImmEnvSchema, OssEnvSchema, BackfillEnvSchema), 'LOG_LEVEL'],
};

/** Optional endpoints/regions s.yaml forwards as '' when the deployer did not set them. */
export const EMPTY_MEANS_UNSET = ['IMM_REGION', 'IMM_ENDPOINT', 'OSS_ENDPOINT', 'ALBUM_TOKEN_SECRET'] as const;

export interface CloudConfig {
  album: AlbumConfig;
  imm: ImmConfig;
  /** Only for the functions that read the bucket (api, backfill). */
  oss: OssConfig | null;
  keyEncoding: 'auto' | 'raw' | 'url';
}

/** Validates what `fn` reads; settings it does not read keep their defaults, unvalidated. */
export function loadCloudConfig(
  fn: CloudFunction,
  env: NodeJS.ProcessEnv = process.env,
  contextRegion?: string,
): CloudConfig {
  const scoped = scopeEnv(env, FUNCTION_SETTINGS[fn], EMPTY_MEANS_UNSET);
  const usesBucket = FUNCTION_SETTINGS[fn].includes('ALBUM_BUCKET');
  return {
    album: loadAlbumConfig(scoped),
    imm: loadImmConfig(scoped, contextRegion),
    oss: usesBucket ? loadOssConfig(scoped) : null,
    keyEncoding: parseEnv(OssEventEnvSchema, scoped).OSS_KEY_ENCODING,
  };
}

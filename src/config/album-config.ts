import { z } from 'zod';

/**
 * Configuration shared by both backends, read from the environment once per process and
 * validated here so the rest of the code can trust it. Unknown variables are ignored.
 */
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export const ClusterableRuleSchema = z.object({
  minFaceSize: z.coerce.number().positive().default(75),
  maxAngle: z.coerce.number().positive().max(180).default(30),
  minQuality: z.coerce.number().min(0).max(1).default(0.8),
});
export type ClusterableRule = z.infer<typeof ClusterableRuleSchema>;

export const AlbumEnvSchema = z.object({
  PHOTO_PREFIX: z.string().default('photos/'),
  ALBUM_API_KEY: z.string().min(16, 'ALBUM_API_KEY must be at least 16 characters').optional(),
  CORS_ORIGINS: csv.default([]),
  URL_EXPIRES_SECONDS: z.coerce.number().int().min(60).max(43_200).default(900),
  CLUSTERABLE_MIN_FACE: z.coerce.number().positive().default(75),
  CLUSTERABLE_MAX_ANGLE: z.coerce.number().positive().max(180).default(30),
  CLUSTERABLE_MIN_QUALITY: z.coerce.number().min(0).max(1).default(0.8),
});

export const ImmEnvSchema = z.object({
  ALBUM_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, 'ALBUM_BUCKET must be an OSS bucket name'),
  IMM_PROJECT: z
    .string()
    .regex(/^[A-Za-z_][\w-]{0,127}$/, 'IMM_PROJECT: letters, digits, - and _, starting with a letter or _'),
  IMM_DATASET: z
    .string()
    .regex(/^[A-Za-z_][\w-]{0,127}$/, 'IMM_DATASET: letters, digits, - and _, starting with a letter or _'),
  IMM_REGION: z.string().optional(),
  FC_REGION: z.string().optional(),
  IMM_ENDPOINT: z.string().optional(),
  IMM_AUTO_CREATE: bool.default(false),
  IMM_SERVICE_ROLE: z.string().default('AliyunIMMDefaultRole'),
  OSS_ENDPOINT: z.string().optional(),
  CLUSTER_WAIT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
});

export interface AlbumConfig {
  photoPrefix: string;
  apiKey: string | undefined;
  corsOrigins: string[];
  urlExpiresSeconds: number;
  clusterable: ClusterableRule;
}

export interface ImmConfig {
  bucket: string;
  project: string;
  dataset: string;
  region: string;
  endpoint: string | undefined;
  autoCreate: boolean;
  serviceRole: string;
  ossEndpoint: string | undefined;
  clusterWaitSeconds: number;
}

/** Throws one error naming every bad variable, so a misconfigured deploy fails loudly at the first call. */
function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)
      .join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return result.data;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadAlbumConfig(env: NodeJS.ProcessEnv = process.env): AlbumConfig {
  const e = parseEnv(AlbumEnvSchema, env);
  return {
    photoPrefix: e.PHOTO_PREFIX,
    apiKey: e.ALBUM_API_KEY,
    corsOrigins: e.CORS_ORIGINS,
    urlExpiresSeconds: e.URL_EXPIRES_SECONDS,
    clusterable: {
      minFaceSize: e.CLUSTERABLE_MIN_FACE,
      maxAngle: e.CLUSTERABLE_MAX_ANGLE,
      minQuality: e.CLUSTERABLE_MIN_QUALITY,
    },
  };
}

export function loadImmConfig(env: NodeJS.ProcessEnv = process.env, contextRegion?: string): ImmConfig {
  const e = parseEnv(ImmEnvSchema, env);
  const region = e.IMM_REGION ?? contextRegion ?? e.FC_REGION;
  if (!region)
    throw new ConfigError('invalid configuration: IMM_REGION is not set and no FC region is known');
  return {
    bucket: e.ALBUM_BUCKET,
    project: e.IMM_PROJECT,
    dataset: e.IMM_DATASET,
    region,
    endpoint: e.IMM_ENDPOINT,
    autoCreate: e.IMM_AUTO_CREATE,
    serviceRole: e.IMM_SERVICE_ROLE,
    ossEndpoint: e.OSS_ENDPOINT,
    clusterWaitSeconds: e.CLUSTER_WAIT_SECONDS,
  };
}

import { z } from 'zod';
import { parseEnv } from './env-parse';

export { ConfigError } from './env-parse';

/**
 * The album's own settings (photo filter, clusterable rule, API key/CORS/URL lifetime), shared
 * by both backends, validated here so the rest of the code can trust them. Unknown variables are
 * ignored. IMM/OSS settings: imm-config.ts; which function reads what: function-settings.ts.
 */
export const bool = z
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
  /** single: one album (default). prefix: `PHOTO_PREFIX<library>/…`, a dataset per library (src/library). */
  LIBRARY_MODE: z.enum(['single', 'prefix']).default('single'),
  /** HS256 secret of end users' library tokens (prefix mode); 32+ characters, i.e. 256 bits for HS256. */
  ALBUM_TOKEN_SECRET: z.string().min(32, 'ALBUM_TOKEN_SECRET must be at least 32 characters').optional(),
  ALBUM_API_KEY: z.string().min(16, 'ALBUM_API_KEY must be at least 16 characters').optional(),
  CORS_ORIGINS: csv.default([]),
  URL_EXPIRES_SECONDS: z.coerce.number().int().min(60).max(43_200).default(900),
  CLUSTERABLE_MIN_FACE: z.coerce.number().positive().default(75),
  CLUSTERABLE_MAX_ANGLE: z.coerce.number().positive().max(180).default(30),
  CLUSTERABLE_MIN_QUALITY: z.coerce.number().min(0).max(1).default(0.8),
});

export interface AlbumConfig {
  photoPrefix: string;
  libraryMode: 'single' | 'prefix';
  apiKey: string | undefined;
  tokenSecret: string | undefined;
  corsOrigins: string[];
  urlExpiresSeconds: number;
  clusterable: ClusterableRule;
}

export function loadAlbumConfig(env: NodeJS.ProcessEnv = process.env): AlbumConfig {
  const e = parseEnv(AlbumEnvSchema, env);
  return {
    photoPrefix: e.PHOTO_PREFIX,
    libraryMode: e.LIBRARY_MODE,
    apiKey: e.ALBUM_API_KEY,
    tokenSecret: e.ALBUM_TOKEN_SECRET,
    corsOrigins: e.CORS_ORIGINS,
    urlExpiresSeconds: e.URL_EXPIRES_SECONDS,
    clusterable: {
      minFaceSize: e.CLUSTERABLE_MIN_FACE,
      maxAngle: e.CLUSTERABLE_MAX_ANGLE,
      minQuality: e.CLUSTERABLE_MIN_QUALITY,
    },
  };
}

import type { z } from 'zod';

/** A setting is missing or malformed. Functions throw it so FC retries (and keeps) the event. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Throws one error naming every bad variable, so a misconfigured deploy fails loudly at the first call. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)
      .join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return result.data;
}

/**
 * Only the given variables, with empty strings dropped: s.yaml forwards optional settings as
 * `${env('X', '')}`, and an empty value means "not set" (the default applies).
 */
export function scopeEnv(env: NodeJS.ProcessEnv, keys: readonly string[]): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const k of keys) if (env[k] !== undefined && env[k] !== '') out[k] = env[k];
  return out;
}

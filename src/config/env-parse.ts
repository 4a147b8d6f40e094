import type { z } from 'zod';
import { formatIssues } from '../schema/zod-issues';

/** A setting is missing or malformed. Functions throw it so FC retries (and keeps) the event. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Throws one error naming every bad variable, so a misconfigured deploy fails loudly at the first call. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) throw new ConfigError(`invalid configuration: ${formatIssues(result.error, '(env)')}`);
  return result.data;
}

/**
 * Only the given variables. s.yaml forwards a few optional settings as `${env('X', '')}`; for
 * those (`emptyIsUnset`) an empty value means "not set" and the default applies. Any other empty
 * value is validated as given (an empty ALBUM_API_KEY is an error, never "no auth").
 */
export function scopeEnv(
  env: NodeJS.ProcessEnv,
  keys: readonly string[],
  emptyIsUnset: readonly string[] = [],
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const k of keys) {
    if (env[k] === undefined || (env[k] === '' && emptyIsUnset.includes(k))) continue;
    out[k] = env[k];
  }
  return out;
}

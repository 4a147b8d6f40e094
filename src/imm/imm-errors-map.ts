import { AlbumError } from '../album/errors';
import { ImmError } from './imm-error';

/**
 * The one place IMM failures become album errors, so the indexer rethrows what FC should retry
 * (too_many_requests, upstream_error), the API answers 429/502/404/400, and argument errors are
 * final. IMM's Code and RequestId travel in `details` (logged, never credentials).
 *
 * Call sites use one of two wrappers: `mapped(call)` (every failure mapped) or `orNull(call)`
 * (IMM's not-found becomes `null`, for getters). Anything that is not an ImmError (a bug, a
 * ConfigError) passes through unchanged.
 */
export function toAlbumError(err: unknown): Error {
  if (!(err instanceof ImmError)) return err instanceof Error ? err : new Error(String(err));
  const details = {
    immAction: err.action,
    immCode: err.code,
    immStatus: err.status,
    immRequestId: err.requestId,
  };
  if (err.retryable) {
    return err.throttled
      ? new AlbumError(
          'too_many_requests',
          `IMM is throttling requests (${err.code}); try again later`,
          details,
        )
      : new AlbumError('upstream_error', `IMM is unavailable (${err.code}); try again later`, details);
  }
  if (isNotFound(err)) return new AlbumError('not_found', err.immMessage, details);
  if (
    err.status === 401 ||
    err.status === 403 ||
    /^(Forbidden|NoPermission|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidSecurityToken)/.test(err.code)
  ) {
    return new AlbumError(
      'upstream_error',
      `IMM refused the call (${err.code}); check the function role's permissions`,
      details,
    );
  }
  if (err.status === 409 || /Conflict|LockVersion/i.test(err.code) || /MetaLockVersion/i.test(err.immMessage))
    return new AlbumError('conflict', `IMM: ${err.immMessage}`, details);
  if (err.status >= 400 && err.status < 500)
    return new AlbumError('bad_request', `IMM rejected the request: ${err.code}: ${err.immMessage}`, details);
  return new AlbumError('upstream_error', `IMM call failed (${err.code})`, details);
}

export const isNotFound = (err: unknown): boolean =>
  err instanceof ImmError && (err.code === 'ResourceNotFound' || err.status === 404);

/** Awaits an IMM call; any failure is rethrown as the album error it maps to. */
export async function mapped<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw toAlbumError(err);
  }
}

/** Like `mapped`, but IMM's not-found answer is `null` (getters: a missing person, photo, task). */
export async function orNull<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw toAlbumError(err);
  }
}

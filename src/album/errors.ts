/** Errors the HTTP layer maps to statuses; the message is safe to show to callers. */
export type AlbumErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_many_requests'
  | 'upstream_error'
  | 'not_implemented'
  | 'internal';

const STATUS: Record<AlbumErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_many_requests: 429,
  upstream_error: 502,
  not_implemented: 501,
  internal: 500,
};

export class AlbumError extends Error {
  override readonly name = 'AlbumError';
  constructor(
    readonly code: AlbumErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
  get status(): number {
    return STATUS[this.code];
  }
}

/**
 * Whether a failure may pass if the same work is tried again: throttling, an upstream that kept failing,
 * an internal error, or anything that is not an AlbumError at all. Other album errors are final.
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof AlbumError)) return true;
  return err.code === 'too_many_requests' || err.code === 'upstream_error' || err.code === 'internal';
}

export const notFound = (what: string, id: string): AlbumError =>
  new AlbumError('not_found', `${what} ${id} does not exist`);

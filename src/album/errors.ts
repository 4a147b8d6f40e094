/** Errors the HTTP layer maps to statuses; the message is safe to show to callers. */
export type AlbumErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'too_many_requests'
  | 'upstream_error'
  | 'not_implemented'
  | 'internal';

const STATUS: Record<AlbumErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
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

export const notFound = (what: string, id: string): AlbumError =>
  new AlbumError('not_found', `${what} ${id} does not exist`);

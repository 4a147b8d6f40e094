import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AlbumError, type AlbumErrorCode } from '../album/errors';
import type { Logger } from '../log/logger';
import { errorBody } from './error-body';

const FROM_STATUS: Record<number, AlbumErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  409: 'conflict',
  413: 'bad_request',
  429: 'too_many_requests',
};

export function toErrorResponse(err: unknown, c: Context, log: Logger): Response {
  const requestId = c.get('requestId') as string | undefined;
  if (err instanceof AlbumError) {
    if (err.status >= 500)
      log.error('http.upstream_error', { code: err.code, message: err.message, ...err.details });
    const res = c.json(errorBody(err.code, err.message, requestId), err.status as ContentfulStatusCode);
    if (err.code === 'too_many_requests') {
      const after = err.details?.retryAfterSeconds;
      res.headers.set('retry-after', String(typeof after === 'number' ? after : 2));
    }
    if (err.code === 'unauthorized') res.headers.set('www-authenticate', 'Bearer');
    return res;
  }
  if (err instanceof HTTPException) {
    const code = FROM_STATUS[err.status] ?? 'bad_request';
    const message = err.status === 401 ? 'missing or wrong bearer token' : err.message || code;
    const res = c.json(errorBody(code, message, requestId), err.status as ContentfulStatusCode);
    const challenge = err.getResponse().headers.get('www-authenticate');
    if (challenge) res.headers.set('www-authenticate', challenge);
    return res;
  }
  log.error('http.internal_error', {
    error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
  });
  return c.json(errorBody('internal', 'internal error', requestId), 500);
}

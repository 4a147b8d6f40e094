import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'hono/utils/buffer';
import { AlbumError } from '../album/errors';
import type { LibraryMode } from '../library/album-libraries';
import { checkLibraryToken, looksLikeJwt } from '../library/library-token';
import type { ApiEnv } from './api-env';

export interface AccessOptions {
  mode: LibraryMode;
  /** ALBUM_API_KEY: the admin key. Unset: the API is open (a local album on 127.0.0.1), as before libraries. */
  apiKey: string | undefined;
  /** ALBUM_TOKEN_SECRET: end users' library tokens (prefix mode only). */
  tokenSecret: string | undefined;
  /** Paths that need no credential (health, the page, signed media links). */
  isPublic: (path: string) => boolean;
}

const refuse = (message: string) => new AlbumError('unauthorized', message);

/**
 * Who may call: checked by path before any route runs and before any body is read, so a request without
 * a credential costs a header check. The admin key opens everything; a library token opens only its
 * library (the routes compare it with the library they serve: another library answers 404, like one that
 * does not exist). Bad, expired or wrongly signed tokens are 401.
 */
export function apiAccess({ mode, apiKey, tokenSecret, isPublic }: AccessOptions): MiddlewareHandler<ApiEnv> {
  const tokens = mode === 'prefix' && tokenSecret ? tokenSecret : null;
  return async (c, next) => {
    if (isPublic(c.req.path)) return next();
    const header = c.req.header('authorization');
    const bearer = header && /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (bearer && apiKey && (await timingSafeEqual(bearer, apiKey))) {
      c.set('access', { kind: 'admin' });
      return next();
    }
    if (bearer && tokens && looksLikeJwt(bearer)) {
      const check = await checkLibraryToken(tokens, bearer);
      if (!check.ok) throw refuse(check.reason);
      c.set('access', { kind: 'library', library: check.claims.lib });
      return next();
    }
    if (!apiKey) {
      c.set('access', { kind: 'admin' });
      return next();
    }
    throw refuse(bearer ? 'wrong bearer token' : 'missing bearer token');
  };
}

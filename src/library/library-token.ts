import { sign, verify } from 'hono/jwt';
import { JwtTokenExpired } from 'hono/utils/jwt/types';
import { libraryNameProblem } from './library-name';

/**
 * End users' library tokens: a JWT signed HS256 with ALBUM_TOKEN_SECRET, claims `lib` (the library it
 * opens) and `exp` (required). Minted by an app's own backend, checked here with Hono's JWT helpers
 * (signature, algorithm pinned to HS256, `exp`/`nbf`/`iat`); only the claims' presence and shape are ours.
 */
export const TOKEN_ALGORITHM = 'HS256';

/** Longest lifetime `npm run token` mints: tokens are meant to be short-lived and re-minted. */
export const MAX_TOKEN_TTL_SECONDS = 7 * 24 * 3600;

export interface LibraryClaims {
  lib: string;
  /** Epoch seconds. */
  exp: number;
}

export type TokenCheck = { ok: true; claims: LibraryClaims } | { ok: false; reason: string };

export async function mintLibraryToken(
  secret: string,
  library: string,
  ttlSeconds: number,
  now = Date.now(),
): Promise<string> {
  const problem = libraryNameProblem(library);
  if (problem) throw new Error(problem);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TOKEN_TTL_SECONDS)
    throw new Error(`ttl must be 1–${MAX_TOKEN_TTL_SECONDS} seconds`);
  const iat = Math.floor(now / 1000);
  return sign({ lib: library, iat, exp: iat + ttlSeconds }, secret, TOKEN_ALGORITHM);
}

/** Checks a token; the reason of a refusal is safe to show its holder (never the secret or the claims of another). */
export async function checkLibraryToken(secret: string, token: string): Promise<TokenCheck> {
  let payload: Record<string, unknown>;
  try {
    payload = await verify(token, secret, { alg: TOKEN_ALGORITHM });
  } catch (err) {
    return { ok: false, reason: err instanceof JwtTokenExpired ? 'token expired' : 'invalid token' };
  }
  if (typeof payload.exp !== 'number') return { ok: false, reason: 'token has no exp claim' };
  if (typeof payload.lib !== 'string' || libraryNameProblem(payload.lib) !== null)
    return { ok: false, reason: 'token has no valid lib claim' };
  return { ok: true, claims: { lib: payload.lib, exp: payload.exp } };
}

/** A JWT's shape (three base64url parts): tells a token from an API key before verifying. */
export const looksLikeJwt = (credential: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(credential);

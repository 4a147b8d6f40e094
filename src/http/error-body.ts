import type { AlbumErrorCode } from '../album/errors';

/**
 * The one shape every error leaves in: `{"error":{"code","message","requestId"?}}`, from the Hono app,
 * the FC adapter and the local server alike. Nothing internal (stack, upstream secrets) is echoed.
 * Kept free of Hono so the indexer and clusterer bundles can use it.
 */
export function errorBody(code: AlbumErrorCode, message: string, requestId?: string) {
  return { error: { code, message, ...(requestId ? { requestId } : {}) } };
}

export type ErrorBody = ReturnType<typeof errorBody>;

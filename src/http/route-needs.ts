import type { Context, MiddlewareHandler } from 'hono';
import type { Capabilities } from '../album/capabilities';
import { AlbumError } from '../album/errors';
import type { EditReceipt } from '../album/types';
import type { ApiEnv } from './api-env';

/**
 * A route a backend cannot serve answers 404 like an unknown route (GET /capabilities says so
 * beforehand), so a client never meets a button that fails.
 */
export const needs =
  (bucket: string, cap: keyof Capabilities): MiddlewareHandler<ApiEnv> =>
  (c, next) => {
    if (!c.get('album').capabilities(bucket)[cap])
      throw new AlbumError('not_found', `no route ${c.req.method} ${c.req.path}`);
    return next();
  };

/** The header naming the edit-log entry an edit made (undo: POST /edits/:id/undo). */
export const EDIT_ID_HEADER = 'X-Album-Edit-Id';

/** A receipt for one edit; `answered` puts its id on the response when the backend logged the edit. */
export function editReceipt(c: Context<ApiEnv>): EditReceipt & { answered(): void } {
  const receipt = {
    editId: null as string | null,
    answered() {
      if (receipt.editId !== null) c.header(EDIT_ID_HEADER, receipt.editId);
    },
  };
  return receipt;
}

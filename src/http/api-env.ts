import type { AlbumService } from '../album/album-service';

/** Who is calling: the admin key (every library) or an end user's token (one library). */
export type Access = { kind: 'admin' } | { kind: 'library'; library: string };

/**
 * What the API's middleware puts on a request's context: every route module types its app with it.
 * `access` is set on every authenticated route; `album` (and `library`, in prefix mode) on the album's routes.
 */
export type ApiEnv = {
  Variables: { requestId: string; access: Access; album: AlbumService; library: string | null };
};

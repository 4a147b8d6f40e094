import type { Hono } from 'hono';
import type { AlbumService } from '../album/album-service';
import type { FcContext } from '../fc/fc-context';
import type { KeyEncoding } from '../fc/oss-event';
import type { AlbumLibraries } from '../library/album-libraries';

/** What the api handler calls: the Hono app of src/http (any fetch-style app). */
export type ApiApp = { fetch(request: Request): Response | Promise<Response> } & Pick<Hono, 'request'>;

/** Everything a handler needs for one invocation: the album(s) and the HTTP app built on them. */
export interface AlbumRuntime {
  /** What the indexer and clusterer handlers call: one album (single mode) or one per library. */
  libraries: AlbumLibraries;
  /** Single mode: the album itself; null in prefix mode (each library has its own, from `libraries.open`). */
  service: AlbumService | null;
  api: ApiApp;
  keyEncoding: KeyEncoding;
}

/**
 * Builds (or reuses) the runtime for one invocation. Passed explicitly to each handler factory: the
 * deployed functions pass the IMM factory (src/imm/imm-runtime.ts), the local launcher the local one
 * (src/local/local-runtime.ts), so the cloud bundles never see the local engine's native modules.
 */
export type RuntimeFactory = (ctx: FcContext) => AlbumRuntime | Promise<AlbumRuntime>;

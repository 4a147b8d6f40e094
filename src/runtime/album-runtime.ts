import type { Hono } from 'hono';
import type { AlbumService } from '../album/album-service';
import type { FcContext } from '../fc/fc-context';
import type { KeyEncoding } from '../fc/oss-event';

/** What the api handler calls: the Hono app of src/http (any fetch-style app). */
export type ApiApp = { fetch(request: Request): Response | Promise<Response> } & Pick<Hono, 'request'>;

/** Everything a handler needs for one invocation: the service and the HTTP app built on it. */
export interface AlbumRuntime {
  service: AlbumService;
  api: ApiApp;
  keyEncoding: KeyEncoding;
}

/**
 * Builds (or reuses) the runtime for one invocation. Passed explicitly to each handler factory: the
 * deployed functions pass the IMM factory (src/imm/imm-runtime.ts), the local launcher the local one
 * (src/local/local-runtime.ts), so the cloud bundles never see the local engine's native modules.
 */
export type RuntimeFactory = (ctx: FcContext) => AlbumRuntime | Promise<AlbumRuntime>;

import type { Hono } from 'hono';
import type { AlbumService } from '../album/album-service';
import type { FcContext } from '../fc/fc-context';
import type { KeyEncoding } from '../fc/oss-event';
import type { Logger } from '../log/logger';

/** Everything a handler needs for one invocation: the service and the HTTP app built on it. */
export interface AlbumRuntime {
  service: AlbumService;
  api: { fetch(request: Request): Response | Promise<Response> } & Pick<Hono, 'request'>;
  log: Logger;
  keyEncoding: KeyEncoding;
}

export type RuntimeFactory = (ctx: FcContext) => AlbumRuntime | Promise<AlbumRuntime>;

let installed: RuntimeFactory | null = null;

/**
 * The local launcher installs its runtime here before calling the very same handlers that run
 * on FC; in the cloud nothing is installed and each handler's default (IMM) factory is used.
 * This keeps the cloud bundles free of the local engine's native modules.
 */
export function installRuntime(factory: RuntimeFactory | null): void {
  installed = factory;
}

export function resolveRuntime(
  ctx: FcContext,
  fallback: RuntimeFactory,
): AlbumRuntime | Promise<AlbumRuntime> {
  return (installed ?? fallback)(ctx);
}

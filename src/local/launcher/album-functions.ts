import { randomUUID } from 'node:crypto';
import { handler as apiHandler } from '../../../functions/api/index';
import { handler as clustererHandler } from '../../../functions/clusterer/index';
import { handler as indexerHandler } from '../../../functions/indexer/index';
import { installRuntime } from '../../runtime/album-runtime';
import type { ClustererResult, IndexerResult } from '../../runtime/fc-handlers';
import type { LocalAlbum } from '../local-runtime';
import { type FolderChange, toOssEvent } from '../watch/oss-event-builder';

/** FC's `context` for a local invocation; the timeout bounds a clustering pass like the function's timeout would. */
const context = (name: string, timeoutSeconds: number) => ({
  requestId: `local-${randomUUID()}`,
  function: { name, timeout: timeoutSeconds },
});

/**
 * The three deployed functions, invoked locally with the events FC would send them. The local
 * runtime is installed first, so the handlers run on the local backend instead of IMM.
 */
export function localFunctions(album: LocalAlbum) {
  installRuntime(album.factory);
  return {
    api: apiHandler,
    index(changes: FolderChange[]): Promise<IndexerResult> {
      return indexerHandler(
        Buffer.from(JSON.stringify(toOssEvent(changes, album.bucket))),
        context('indexer', 600),
      );
    },
    cluster(triggerName: string): Promise<ClustererResult> {
      const event = {
        triggerTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        triggerName,
        payload: '',
      };
      return clustererHandler(Buffer.from(JSON.stringify(event)), context('clusterer', 3600));
    },
  };
}

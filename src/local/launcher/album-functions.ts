import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log/logger';
import type { RuntimeFactory } from '../../runtime/album-runtime';
import {
  type ClustererResult,
  createClustererHandler,
  createIndexerHandler,
  type IndexerResult,
} from '../../runtime/fc-handlers';
import { type FolderChange, toOssEvent } from '../watch/oss-event-builder';

/** FC's `context` for a local invocation; the timeout bounds a clustering pass like the function's timeout would. */
const context = (name: string, timeoutSeconds: number) => ({
  requestId: `local-${randomUUID()}`,
  function: { name, timeout: timeoutSeconds },
});

export interface LocalFunctions {
  index(changes: FolderChange[]): Promise<IndexerResult>;
  cluster(triggerName: string): Promise<ClustererResult>;
}

/**
 * The deployed indexer and clusterer functions, built from the same handler factories as
 * functions/*\/index.ts but given the local runtime, and invoked with the events FC would send.
 * (The API needs no FC event: the local server serves the runtime's app directly.)
 */
export function localFunctions({
  runtime,
  log,
  bucket,
}: {
  runtime: RuntimeFactory;
  log: Logger;
  bucket: string;
}): LocalFunctions {
  const indexer = createIndexerHandler({ runtime, log });
  const clusterer = createClustererHandler({ runtime, log });
  return {
    index(changes) {
      return indexer(Buffer.from(JSON.stringify(toOssEvent(changes, bucket))), context('indexer', 600));
    },
    cluster(triggerName) {
      const event = {
        triggerTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        triggerName,
        payload: '',
      };
      return clusterer(Buffer.from(JSON.stringify(event)), context('clusterer', 3600));
    },
  };
}

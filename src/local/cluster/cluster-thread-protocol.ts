import type { MessagePort } from 'node:worker_threads';
import type { ClusterChanges, ClusterFace, ClusterPerson } from './cluster-types';
import type { SessionOptions } from './clustering-session';
import type { ClustererOptions } from './person-clusterer';

/** What the clustering thread is given when it starts (workerData). */
export interface ClusterThreadData {
  /** The port embeddings arrive on; the thread reads it synchronously (receiveMessageOnPort). */
  embeddingsPort: MessagePort;
  /** Int32 flag set to 1 by the parent once an embeddings answer is posted (Atomics.notify). */
  signal: SharedArrayBuffer;
}

export type ToThread =
  /** One clustering pass of one album (`key`): what its store holds now; embeddings are asked for. */
  | {
      type: 'cluster';
      id: number;
      key: string;
      options: { clusterer: Partial<ClustererOptions>; session: SessionOptions };
      full: boolean;
      states: Omit<ClusterFace, 'embedding'>[];
      persons: ClusterPerson[];
    }
  /** The album stored the last pass's changes: its session may keep its clusterer. */
  | { type: 'committed'; key: string }
  /** The album is closed: drop its session. */
  | { type: 'forget'; key: string };

/** The answer to a `need`, on the embeddings port: vectors of the ids found (row i = ids[i]), or why not. */
export type EmbeddingsAnswer =
  | { type: 'embeddings'; id: number; ids: Int32Array; vectors: Float32Array; dim: number }
  | { type: 'embeddings_error'; id: number; message: string };

export type FromThread =
  /** Pass `id` needs these faces' embeddings; the thread waits for the answer on the embeddings port. */
  | { type: 'need'; id: number; ids: Int32Array }
  | { type: 'result'; id: number; changes: ClusterChanges; ms: number }
  | { type: 'error'; id: number; message: string; stack?: string };

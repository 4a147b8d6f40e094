import type { ClusterChanges } from './cluster-types';
import type { SessionOptions } from './clustering-session';
import type { ClustererOptions } from './person-clusterer';

export type ToThread =
  /** One clustering pass of one album (`key`): the thread reads the album's store (`dbFile`) itself. */
  | {
      type: 'cluster';
      id: number;
      key: string;
      dbFile: string;
      options: { clusterer: Partial<ClustererOptions>; session: SessionOptions };
      full: boolean;
    }
  /** The album stored the last pass's changes: its session may keep its clusterer. */
  | { type: 'committed'; key: string };

export type FromThread =
  /** The changes for every copy of every face (DistinctContent expanded), and what the pass read. */
  | { type: 'result'; id: number; changes: ClusterChanges; faces: number; embeddings: number; ms: number }
  | { type: 'error'; id: number; message: string; stack?: string };

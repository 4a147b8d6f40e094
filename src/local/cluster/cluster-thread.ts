import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../log/logger';
import type { FaceClusterer } from '../local-backend';
import type { FromThread, ToThread } from './cluster-thread-protocol';
import type { ClusterChanges } from './cluster-types';
import type { SessionOptions } from './clustering-session';
import type { ClustererOptions } from './person-clusterer';

/** What the last pass read and cost (bench:cluster-serve and the debug log report it). */
export interface ThreadPassCost {
  faces: number;
  embeddings: number;
  /** The pass inside the thread: store reads and clustering. */
  threadMs: number;
  /** Main-thread time to hand the pass over (the result's write is the backend's, reported as writeMs). */
  mainMs: number;
}

interface Pass {
  id: number;
  resolve: (changes: ClusterChanges) => void;
  reject: (err: Error) => void;
  cost: ThreadPassCost;
}

function startWorker(): Worker {
  // The same kind of file as this module: .ts under tsx (the daemon, tests), .js when built.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const file = fileURLToPath(new URL(`./cluster-worker${ext}`, import.meta.url));
  if (ext === '.js') return new Worker(file);
  // tsx's ESM hooks (bin/face-album.cjs) do not reach worker threads on Node 20, and `--import tsx` in a
  // worker's execArgv is not honoured either: the thread registers tsx's CommonJS hooks itself.
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`, {
    eval: true,
  });
}

/**
 * One worker thread that runs clustering passes off the daemon's main thread: the HTTP API and the
 * indexer keep going while a 100k-face pass runs. Each album (`key`: the single album, or a library)
 * keeps its clustering session inside the thread between passes and is read there through a read-only
 * SQLite connection of its own (face states, persons, embeddings: ~1 s of main-thread work at 100k
 * faces, were they read and sent from here); the main thread only writes the result. Albums of a process
 * share the thread and their passes queue, one at a time. Started on the first pass; a thread that dies
 * fails its pass and the next pass starts a new one.
 */
export class ClusterThread {
  private worker: Worker | null = null;
  private pass: Pass | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private closed = false;
  /** What the last finished pass read and cost. */
  lastCost: ThreadPassCost | null = null;

  constructor(private readonly log?: Logger) {}

  /**
   * A clusterer for the album whose SQLite file is `dbFile`; its passes run on this thread. The
   * ClusterSource the backend hands it is not used: the thread reads the same store itself, after the
   * backend committed what it holds (PhotoStore.commitPending). Its changes cover every copy of a face.
   */
  clusterer(
    key: string,
    dbFile: string,
    options: { clusterer?: Partial<ClustererOptions>; session?: SessionOptions } = {},
  ): FaceClusterer {
    const opts = { clusterer: options.clusterer ?? {}, session: options.session ?? {} };
    return {
      cluster: ({ full }) => {
        const run = this.tail.then(() => this.run({ key, dbFile, options: opts, full }));
        this.tail = run.catch(() => {});
        return run;
      },
      // The thread keeps the session's clusterer only if told the changes were stored (before its next pass).
      committed: () => this.worker?.postMessage({ type: 'committed', key } satisfies ToThread),
    };
  }

  private run(pass: Omit<Extract<ToThread, { type: 'cluster' }>, 'type' | 'id'>): Promise<ClusterChanges> {
    if (this.closed) return Promise.reject(new Error('the clustering thread is closed'));
    const started = performance.now();
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    const cost: ThreadPassCost = { faces: 0, embeddings: 0, threadMs: 0, mainMs: 0 };
    const done = new Promise<ClusterChanges>((resolve, reject) => {
      this.pass = { id, resolve, reject, cost };
    });
    worker.ref(); // a pass in flight keeps the process alive; an idle thread does not
    worker.postMessage({ type: 'cluster', id, ...pass } satisfies ToThread);
    cost.mainMs = performance.now() - started;
    return done.finally(() => {
      this.worker?.unref();
      this.lastCost = cost;
      this.log?.debug('clustering.thread_pass', {
        key: pass.key,
        ...Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, Math.round(v)])),
      });
    });
  }

  private start(): Worker {
    const worker = startWorker();
    this.worker = worker;
    worker.unref();
    worker.on('message', (msg: FromThread) => this.onMessage(msg));
    worker.on('error', (err) => {
      this.log?.error('clustering.thread_error', { error: err });
      this.failPass(new Error(`the clustering thread failed: ${err.message}`));
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      if (!this.closed) this.log?.warn('clustering.thread_exited', { code });
      this.failPass(new Error(`the clustering thread exited (code ${code})`));
    });
    return worker;
  }

  private failPass(err: Error): void {
    const pass = this.pass;
    this.pass = null;
    pass?.reject(err);
  }

  private onMessage(msg: FromThread): void {
    const pass = this.pass;
    if (!pass || pass.id !== msg.id) return;
    this.pass = null;
    if (msg.type === 'result') {
      Object.assign(pass.cost, { faces: msg.faces, embeddings: msg.embeddings, threadMs: msg.ms });
      pass.resolve(msg.changes);
    } else {
      this.log?.error('clustering.thread_pass_failed', { message: msg.message, stack: msg.stack });
      pass.reject(new Error(`clustering failed: ${msg.message}`));
    }
  }

  /** Ends the thread (a pass in flight fails); the album calls it when it closes. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
    this.failPass(new Error('the clustering thread is closed'));
  }
}

import { createRequire } from 'node:module';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { Logger } from '../../log/logger';
import type { ClusterSource, FaceClusterer } from '../local-backend';
import type { ClusterThreadData, EmbeddingsAnswer, FromThread, ToThread } from './cluster-thread-protocol';
import type { ClusterChanges } from './cluster-types';
import type { SessionOptions } from './clustering-session';
import type { ClustererOptions } from './person-clusterer';

/**
 * Embeddings read per turn of the event loop while a pass waits for them: a few ms of SQLite each, so
 * the HTTP API keeps answering while 100k vectors are read.
 */
const EMBEDDINGS_PER_TURN = 2000;

/** Main-thread cost of the last pass (bench:cluster-serve and the logs report it). */
export interface ThreadPassCost {
  faces: number;
  embeddings: number;
  /** Time the pass held the main thread: store reads, sending, embeddings chunks (not the result's write). */
  mainMs: number;
  /** The longest of those stretches. */
  longestMainMs: number;
  /** The pass inside the thread, embeddings waits included. */
  threadMs: number;
}

interface Pass {
  id: number;
  source: ClusterSource;
  resolve: (changes: ClusterChanges) => void;
  reject: (err: Error) => void;
  cost: ThreadPassCost;
}

interface Running {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

function startWorker(data: ClusterThreadData, transfer: MessagePort[]): Worker {
  // The same kind of file as this module: .ts under tsx (the daemon, tests), .js when built.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const file = fileURLToPath(new URL(`./cluster-worker${ext}`, import.meta.url));
  if (ext === '.js') return new Worker(file, { workerData: data, transferList: transfer });
  // tsx's ESM hooks (bin/face-album.cjs) do not reach worker threads on Node 20, and `--import tsx` in a
  // worker's execArgv is not honoured either: the thread registers tsx's CommonJS hooks itself.
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`, {
    eval: true,
    workerData: data,
    transferList: transfer,
  });
}

/**
 * One worker thread that runs clustering passes off the daemon's main thread: the HTTP API and the
 * indexer keep going while a 100k-face pass (~16 s) runs. Each album (`key`: the single album, or a
 * library) keeps its clustering session inside the thread between passes; albums of a process share the
 * thread and their passes queue, one at a time. The main thread reads the store (face states and
 * persons at once, embeddings in chunks between HTTP requests) and writes the result. Started on the
 * first pass; a thread that dies fails its pass and the next pass starts a new one.
 */
export class ClusterThread {
  private running: Running | null = null;
  private pass: Pass | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private closed = false;
  /** What the last finished pass cost the main thread. */
  lastCost: ThreadPassCost | null = null;

  constructor(private readonly log?: Logger) {}

  /** A clusterer for one album whose passes run on this thread (options as for clusteringSession()). */
  clusterer(
    key: string,
    options: { clusterer?: Partial<ClustererOptions>; session?: SessionOptions } = {},
  ): FaceClusterer {
    const opts = { clusterer: options.clusterer ?? {}, session: options.session ?? {} };
    return {
      cluster: ({ source, full }) => {
        const run = this.tail.then(() => this.run(key, opts, source, full));
        this.tail = run.catch(() => {});
        return run;
      },
      // The thread keeps the session's clusterer only if told the changes were stored (before its next pass).
      committed: () => this.send({ type: 'committed', key }),
    };
  }

  private send(msg: ToThread): void {
    this.running?.worker.postMessage(msg);
  }

  private run(
    key: string,
    options: Extract<ToThread, { type: 'cluster' }>['options'],
    source: ClusterSource,
    full: boolean,
  ): Promise<ClusterChanges> {
    if (this.closed) return Promise.reject(new Error('the clustering thread is closed'));
    const started = performance.now();
    const states = source.faceStates();
    const persons = source.persons();
    const { worker } = this.running ?? this.start();
    const id = this.nextId++;
    const cost: ThreadPassCost = {
      faces: states.length,
      embeddings: 0,
      mainMs: 0,
      longestMainMs: 0,
      threadMs: 0,
    };
    const done = new Promise<ClusterChanges>((resolve, reject) => {
      this.pass = { id, source, resolve, reject, cost };
    });
    worker.ref(); // a pass in flight keeps the process alive; an idle thread does not
    worker.postMessage({ type: 'cluster', id, key, options, full, states, persons } satisfies ToThread);
    this.spent(cost, performance.now() - started);
    return done.finally(() => {
      if (this.pass?.id === id) this.pass = null;
      this.running?.worker.unref();
      this.lastCost = cost;
      this.log?.debug('clustering.thread_pass', { key, ...roundAll(cost) });
    });
  }

  private spent(cost: ThreadPassCost, ms: number): void {
    cost.mainMs += ms;
    cost.longestMainMs = Math.max(cost.longestMainMs, ms);
  }

  private start(): Running {
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    const worker = startWorker({ embeddingsPort: port2, signal }, [port2]);
    const running: Running = { worker, port: port1, flag: new Int32Array(signal) };
    this.running = running;
    worker.unref();
    worker.on('message', (msg: FromThread) => this.onMessage(running, msg));
    worker.on('error', (err) => {
      this.log?.error('clustering.thread_error', { error: err });
      this.failPass(new Error(`the clustering thread failed: ${err.message}`));
    });
    worker.on('exit', (code) => {
      if (this.running === running) this.running = null;
      port1.close();
      if (!this.closed) this.log?.warn('clustering.thread_exited', { code });
      this.failPass(new Error(`the clustering thread exited (code ${code})`));
    });
    return running;
  }

  private failPass(err: Error): void {
    const pass = this.pass;
    this.pass = null;
    pass?.reject(err);
  }

  private onMessage(running: Running, msg: FromThread): void {
    const pass = this.pass;
    if (!pass || pass.id !== msg.id) return;
    if (msg.type === 'need') {
      void this.answer(running, pass, msg.ids);
    } else if (msg.type === 'result') {
      pass.cost.threadMs = msg.ms;
      this.pass = null;
      pass.resolve(msg.changes);
    } else {
      this.log?.error('clustering.thread_pass_failed', { message: msg.message, stack: msg.stack });
      this.pass = null;
      pass.reject(new Error(`clustering failed: ${msg.message}`));
    }
  }

  /** Reads the asked embeddings a chunk per event-loop turn and hands them over in one buffer. */
  private async answer(running: Running, pass: Pass, asked: Int32Array): Promise<void> {
    let reply: EmbeddingsAnswer;
    const transfer: ArrayBuffer[] = [];
    try {
      let ids = new Int32Array(asked.length);
      let vectors = new Float32Array(0);
      let dim = 0;
      let found = 0;
      for (let i = 0; i < asked.length; i += EMBEDDINGS_PER_TURN) {
        if (i > 0) await nextTurn();
        if (this.pass !== pass) return; // the thread died or the album closed meanwhile
        const started = performance.now();
        const chunk = pass.source.embeddings(Array.from(asked.subarray(i, i + EMBEDDINGS_PER_TURN)));
        for (const [id, v] of chunk) {
          if (!dim) {
            dim = v.length;
            vectors = new Float32Array(asked.length * dim);
          }
          ids[found] = id;
          vectors.set(v, found * dim);
          found++;
        }
        this.spent(pass.cost, performance.now() - started);
      }
      if (found < asked.length) {
        ids = ids.slice(0, found);
        vectors = vectors.slice(0, found * dim);
      }
      pass.cost.embeddings += found;
      reply = { type: 'embeddings', id: pass.id, ids, vectors, dim };
      transfer.push(ids.buffer, vectors.buffer);
    } catch (err) {
      reply = {
        type: 'embeddings_error',
        id: pass.id,
        message: err instanceof Error ? err.message : String(err),
      };
    }
    running.port.postMessage(reply, transfer);
    Atomics.store(running.flag, 0, 1);
    Atomics.notify(running.flag, 0);
  }

  /** Ends the thread (a pass in flight fails); the album calls it when it closes. */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.running;
    this.running = null;
    if (running) await running.worker.terminate();
    this.failPass(new Error('the clustering thread is closed'));
  }
}

const roundAll = (cost: ThreadPassCost) =>
  Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, Math.round(v)]));

/**
 * The clustering thread (see cluster-thread.ts): keeps one clustering session per album, with its
 * PersonClusterer and HNSW indexes, between passes, so the daemon's main thread only reads the store and
 * writes the result. The session reads embeddings synchronously; here that read is a request to the main
 * thread, waited for with Atomics.wait (this thread has nothing else to do meanwhile).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { ClusterSource, FaceClusterer } from '../local-backend';
import type { ClusterThreadData, EmbeddingsAnswer, FromThread, ToThread } from './cluster-thread-protocol';
import { clusteringSession } from './clustering-session';

const { embeddingsPort, signal } = workerData as ClusterThreadData;
const flag = new Int32Array(signal);
const sessions = new Map<string, FaceClusterer>();
const post = (msg: FromThread, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(msg, transfer);

function embeddingsFor(pass: number, ids: number[]): Map<number, Float32Array> {
  Atomics.store(flag, 0, 0);
  const asked = Int32Array.from(ids);
  post({ type: 'need', id: pass, ids: asked }, [asked.buffer as ArrayBuffer]);
  for (;;) {
    // Bounded waits: a terminate() from the parent is acted on between them.
    Atomics.wait(flag, 0, 0, 1000);
    const received = receiveMessageOnPort(embeddingsPort);
    if (!received) continue;
    const answer = received.message as EmbeddingsAnswer;
    if (answer.id !== pass) continue;
    if (answer.type === 'embeddings_error') throw new Error(`reading embeddings failed: ${answer.message}`);
    const out = new Map<number, Float32Array>();
    for (let i = 0; i < answer.ids.length; i++)
      out.set(answer.ids[i]!, answer.vectors.subarray(i * answer.dim, (i + 1) * answer.dim));
    return out;
  }
}

async function run(msg: Extract<ToThread, { type: 'cluster' }>): Promise<void> {
  const started = performance.now();
  let session = sessions.get(msg.key);
  if (!session) {
    session = clusteringSession(msg.options.clusterer, msg.options.session);
    sessions.set(msg.key, session);
  }
  const source: ClusterSource = {
    faceStates: () => msg.states,
    persons: () => msg.persons,
    embeddings: (ids) => embeddingsFor(msg.id, ids),
  };
  const changes = await session.cluster({ source, full: msg.full });
  post({ type: 'result', id: msg.id, changes, ms: performance.now() - started });
}

// One message at a time: a pass runs to its end (it blocks this thread) before the next is read.
parentPort!.on('message', (msg: ToThread) => {
  if (msg.type === 'committed') sessions.get(msg.key)?.committed?.();
  else if (msg.type === 'forget') sessions.delete(msg.key);
  else
    run(msg).catch((err: unknown) =>
      post({
        type: 'error',
        id: msg.id,
        message: err instanceof Error ? err.message : String(err),
        stack: err instanceof Error ? err.stack : undefined,
      }),
    );
});

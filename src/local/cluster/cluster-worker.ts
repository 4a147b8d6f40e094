/**
 * The clustering thread (see cluster-thread.ts): keeps one clustering session per album, with its
 * PersonClusterer and HNSW indexes, between passes, and reads what a pass needs from the album's SQLite
 * file through its own read-only connection, so the daemon's main thread only writes the result.
 */
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { FaceClusterer } from '../local-backend';
import { PeopleStore } from '../store/people-store';
import { PhotoStore } from '../store/photo-store';
import { albumClusterData } from './album-cluster-data';
import type { FromThread, ToThread } from './cluster-thread-protocol';
import type { ClusterChanges } from './cluster-types';
import { clusteringSession } from './clustering-session';
import { DistinctSource } from './distinct-content';

const sessions = new Map<string, FaceClusterer>();
const post = (msg: FromThread) => parentPort!.postMessage(msg);

function run(msg: Extract<ToThread, { type: 'cluster' }>): void {
  const started = performance.now();
  let session = sessions.get(msg.key);
  if (!session) {
    session = clusteringSession(msg.options.clusterer, msg.options.session);
    sessions.set(msg.key, session);
  }
  // A connection per pass, not per album: many libraries may share this thread, few cluster at a time.
  const db = new Database(msg.dbFile, { readonly: true, fileMustExist: true });
  try {
    // The daemon writes while this reads (WAL): wait for a checkpoint rather than fail.
    db.pragma('busy_timeout = 5000');
    const photos = new PhotoStore(db);
    const people = new PeopleStore(db, (path) => path);
    const data = albumClusterData(photos, people);
    // Face states, persons and the vectors they all have from one snapshot. Embeddings are read later,
    // outside it: a face's vectors never change but for a second one added (reanalyse), and a face deleted
    // since is simply not found (the session skips it).
    const { states, persons, kinds } = db.transaction(() => ({
      states: data.faceStates(),
      persons: data.persons(),
      kinds: data.vectorKinds(),
    }))();
    // The clusterer sees each distinct face once, however many copies of its photo the folder holds.
    let embeddings = 0;
    const source = new DistinctSource({
      faceStates: () => states,
      persons: () => persons,
      vectorKinds: () => kinds,
      embeddings: (ids, vectors) => {
        const found = data.embeddings(ids, vectors);
        embeddings += found.size;
        return found;
      },
    });
    // clusteringSession() answers at once (its ClusterSource here is synchronous).
    const changes = source.expand(session.cluster({ source, full: msg.full }) as ClusterChanges);
    post({
      type: 'result',
      id: msg.id,
      changes,
      faces: states.length,
      embeddings,
      ms: performance.now() - started,
    });
  } finally {
    db.close();
  }
}

// One message at a time: a pass runs to its end (it holds this thread) before the next is read.
parentPort!.on('message', (msg: ToThread) => {
  if (msg.type === 'committed') {
    sessions.get(msg.key)?.committed?.();
    return;
  }
  try {
    run(msg);
  } catch (err) {
    post({
      type: 'error',
      id: msg.id,
      message: err instanceof Error ? err.message : String(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
  }
});

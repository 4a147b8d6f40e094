import type { ClusterSource, FaceClusterer } from '../local-backend';
import type { ClusterChanges, ClusterFace, VectorKind } from './cluster-types';
import { clusterOptionsFor, dimOf } from './fused-vectors';
import { type ClustererOptions, PersonClusterer } from './person-clusterer';

/** Folds the changes of several clusterer operations into one (later assignments win). */
function combine(parts: ClusterChanges[]): ClusterChanges {
  const assignments = new Map<number, string | null>();
  const created = new Set<string>();
  const emptied = new Set<string>();
  for (const part of parts) {
    for (const a of part.assignments) assignments.set(a.faceId, a.personId);
    for (const id of part.createdPersons) created.add(id);
    for (const id of part.emptiedPersons) emptied.add(id);
  }
  return {
    assignments: [...assignments].map(([faceId, personId]) => ({ faceId, personId })),
    createdPersons: [...created],
    emptiedPersons: [...emptied],
  };
}

/** Every pass ends with the grouping of the faces no person holds (the "Unknown faces" review). */
function withUnknownGroups(clusterer: PersonClusterer, changes: ClusterChanges): ClusterChanges {
  changes.unknownGroups = clusterer.unknownGroups();
  return changes;
}

/** A face as the store last reported it to this session (its assignment and edits, not its vector). */
type SeenFace = Omit<ClusterFace, 'embedding'>;
const sameState = (a: SeenFace, b: SeenFace) =>
  a.personId === b.personId &&
  a.pinnedPersonId === b.pinnedPersonId &&
  a.rejectedPersonIds.join('\n') === b.rejectedPersonIds.join('\n');

/**
 * Below this many faces every pass is a full one (about a second at 10k faces, bench:cluster): a full
 * pass groups better than placing faces one at a time, and it lets later photos correct what earlier ones
 * decided (bench:quality, README "Clustering quality"). Above it, the backend's growth rule decides.
 */
export const FULL_PASS_BELOW_FACES = 10_000;

export interface SessionOptions {
  /** See FULL_PASS_BELOW_FACES; 0 = only when the backend asks. */
  fullBelowFaces?: number;
}

/**
 * Runs the PersonClusterer over what the store holds. The store is the source of truth; the clusterer
 * (with its HNSW indexes) is kept between runs only while the store still matches what it last saw, so a
 * quiet-period run costs the new and the still-waiting faces, not the whole album. Anything else touching the faces (a user
 * edit, a recluster by another process, a run whose result was not stored) makes the next run rebuild:
 * assigned faces are loaded as they are and every unassigned face is added again, so a person can be
 * founded by faces that arrived across several runs. While the album is small (`fullBelowFaces`) a kept
 * clusterer takes the new faces and then re-clusters in full, so its index is not rebuilt either.
 *
 * A session clusters on one kind of vectors (fused-vectors.ts): fused ones while every face has a second
 * vector, else face-api's, each with its own options (`opts` overrides both). When the kind a pass finds
 * differs from the session's — or, for a session's first pass, from the one the album's people were last
 * clustered on in full (a reanalyse completed the album, a face without a second vector arrived) — the
 * pass rebuilds and re-clusters every face on the new kind: a clusterer never holds two lengths of vector.
 */
export function clusteringSession(
  opts: Partial<ClustererOptions> = {},
  { fullBelowFaces = FULL_PASS_BELOW_FACES }: SessionOptions = {},
): FaceClusterer {
  interface Kept {
    clusterer: PersonClusterer;
    vectors: VectorKind;
  }
  let session: (Kept & { seen: Map<number, SeenFace> }) | null = null;
  let pending: (Kept & { states: SeenFace[]; changes: ClusterChanges }) | null = null;
  /** Told with the changes of a pass that re-clustered every face (ClusterChanges.fullPass). */
  const fullPass = (vectors: VectorKind) => ({ vectors, dim: dimOf(vectors, opts) });

  const rebuild = (source: ClusterSource, states: SeenFace[], full: boolean, vectors: VectorKind) => {
    const clusterer = new PersonClusterer(clusterOptionsFor(vectors, opts));
    const embeddings = source.embeddings(
      states.map((s) => s.id),
      vectors,
    );
    const faces = states
      .filter((s) => embeddings.has(s.id))
      .map((s) => ({ ...s, embedding: embeddings.get(s.id)! }));
    const placed = faces.filter((f) => f.personId !== null || f.pinnedPersonId !== null);
    // With no person yet there is nothing an incremental pass must leave alone, so the first pass over an
    // album (a fresh `scan`, a first start) gets the full clustering, which groups better than face-by-face.
    if (full || placed.length === 0)
      return {
        clusterer,
        changes: {
          ...combine([clusterer.load(faces, source.persons()), clusterer.recluster()]),
          fullPass: fullPass(vectors),
        },
      };
    const waiting = faces.filter((f) => f.personId === null && f.pinnedPersonId === null);
    return {
      clusterer,
      changes: combine([clusterer.load(placed, source.persons()), clusterer.addFaces(waiting)]),
    };
  };

  return {
    cluster({ source, full }: { source: ClusterSource; full: boolean }): ClusterChanges {
      const states = source.faceStates();
      const kinds = source.vectorKinds?.() ?? { available: 'face-api', clustered: 'face-api' };
      const vectors = kinds.available;
      const current = session;
      session = null; // until the backend confirms the changes are stored
      pending = null;
      const small = states.length < fullBelowFaces;
      const switched = vectors !== (current?.vectors ?? kinds.clustered);
      const reusable =
        !full &&
        !switched &&
        current !== null &&
        states.every((s) => {
          const seen = current.seen.get(s.id);
          return !seen || sameState(seen, s);
        });
      if (!reusable || !current) {
        const rebuilt = rebuild(source, states, full || small || switched, vectors);
        const changes = withUnknownGroups(rebuilt.clusterer, rebuilt.changes);
        pending = { clusterer: rebuilt.clusterer, vectors, states, changes };
        return changes;
      }
      const ids = new Set(states.map((s) => s.id));
      const removed = [...current.seen.keys()].filter((id) => !ids.has(id));
      // Waiting faces are placed again with the new ones, exactly as a rebuild would: a person founded
      // since they arrived may now take them.
      const waiting = states.filter(
        (s) => current.seen.has(s.id) && s.personId === null && s.pinnedPersonId === null,
      );
      const fresh = states.filter((s) => !current.seen.has(s.id));
      const toAdd = [...waiting, ...fresh].sort((a, b) => a.id - b.id);
      const embeddings = source.embeddings(
        toAdd.map((s) => s.id),
        vectors,
      );
      const changes: ClusterChanges = combine([
        current.clusterer.removeFaces([...removed, ...waiting.map((s) => s.id)]),
        current.clusterer.addFaces(
          toAdd.filter((s) => embeddings.has(s.id)).map((s) => ({ ...s, embedding: embeddings.get(s.id)! })),
        ),
        ...(small ? [current.clusterer.recluster()] : []),
      ]);
      if (small) changes.fullPass = fullPass(vectors);
      withUnknownGroups(current.clusterer, changes);
      pending = { clusterer: current.clusterer, vectors, states, changes };
      return changes;
    },
    committed(): void {
      if (!pending) return;
      const assigned = new Map(pending.changes.assignments.map((a) => [a.faceId, a.personId]));
      const seen = new Map<number, SeenFace>();
      for (const s of pending.states)
        seen.set(s.id, assigned.has(s.id) ? { ...s, personId: assigned.get(s.id)! } : s);
      session = { clusterer: pending.clusterer, vectors: pending.vectors, seen };
      pending = null;
    },
  };
}

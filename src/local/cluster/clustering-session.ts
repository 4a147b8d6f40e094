import type { ClusterSource, FaceClusterer } from '../local-backend';
import type { ClusterChanges, ClusterFace } from './cluster-types';
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
 */
export function clusteringSession(
  opts: Partial<ClustererOptions> = {},
  { fullBelowFaces = FULL_PASS_BELOW_FACES }: SessionOptions = {},
): FaceClusterer {
  let session: { clusterer: PersonClusterer; seen: Map<number, SeenFace> } | null = null;
  let pending: { clusterer: PersonClusterer; states: SeenFace[]; changes: ClusterChanges } | null = null;

  const rebuild = (source: ClusterSource, states: SeenFace[], full: boolean) => {
    const clusterer = new PersonClusterer(opts);
    const embeddings = source.embeddings(states.map((s) => s.id));
    const faces = states
      .filter((s) => embeddings.has(s.id))
      .map((s) => ({ ...s, embedding: embeddings.get(s.id)! }));
    const placed = faces.filter((f) => f.personId !== null || f.pinnedPersonId !== null);
    // With no person yet there is nothing an incremental pass must leave alone, so the first pass over an
    // album (a fresh `scan`, a first start) gets the full clustering, which groups better than face-by-face.
    if (full || placed.length === 0)
      return {
        clusterer,
        changes: combine([clusterer.load(faces, source.persons()), clusterer.recluster()]),
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
      const current = session;
      session = null; // until the backend confirms the changes are stored
      pending = null;
      const small = states.length < fullBelowFaces;
      const reusable =
        !full &&
        current !== null &&
        states.every((s) => {
          const seen = current.seen.get(s.id);
          return !seen || sameState(seen, s);
        });
      if (!reusable || !current) {
        const rebuilt = rebuild(source, states, full || small);
        const changes = withUnknownGroups(rebuilt.clusterer, rebuilt.changes);
        pending = { clusterer: rebuilt.clusterer, states, changes };
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
      const embeddings = source.embeddings(toAdd.map((s) => s.id));
      const changes = combine([
        current.clusterer.removeFaces([...removed, ...waiting.map((s) => s.id)]),
        current.clusterer.addFaces(
          toAdd.filter((s) => embeddings.has(s.id)).map((s) => ({ ...s, embedding: embeddings.get(s.id)! })),
        ),
        ...(small ? [current.clusterer.recluster()] : []),
      ]);
      withUnknownGroups(current.clusterer, changes);
      pending = { clusterer: current.clusterer, states, changes };
      return changes;
    },
    committed(): void {
      if (!pending) return;
      const assigned = new Map(pending.changes.assignments.map((a) => [a.faceId, a.personId]));
      const seen = new Map<number, SeenFace>();
      for (const s of pending.states)
        seen.set(s.id, assigned.has(s.id) ? { ...s, personId: assigned.get(s.id)! } : s);
      session = { clusterer: pending.clusterer, seen };
      pending = null;
    },
  };
}

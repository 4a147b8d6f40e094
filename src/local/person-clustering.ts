import type { ClusterChanges, ClusterFace, ClusterPerson } from './cluster/cluster-types';
import { PersonClusterer, type ClustererOptions } from './cluster/person-clusterer';
import type { FaceClusterer } from './local-backend';

/** Folds the changes of several clusterer operations into one (later assignments win). */
function combine(parts: ClusterChanges[]): ClusterChanges {
  const assignments = new Map<number, string | null>();
  const created = new Set<string>();
  const emptied = new Set<string>();
  for (const part of parts) {
    for (const a of part.assignments) assignments.set(a.faceId, a.personId);
    part.createdPersons.forEach((id) => created.add(id));
    part.emptiedPersons.forEach((id) => emptied.add(id));
  }
  return { assignments: [...assignments].map(([faceId, personId]) => ({ faceId, personId })), createdPersons: [...created], emptiedPersons: [...emptied] };
}

/**
 * Runs the PersonClusterer over what the store holds. The store is the source of truth, so each
 * run rebuilds the clusterer's state (and HNSW indexes) from it: assigned faces are loaded as they
 * are, and every unassigned face (new, or still waiting for enough look-alikes) is added again, so
 * a person can be founded by faces that arrived across several runs.
 */
export function personClustering(opts: Partial<ClustererOptions> = {}): FaceClusterer {
  return {
    cluster({ faces, persons, full }: { faces: ClusterFace[]; persons: ClusterPerson[]; full: boolean }): ClusterChanges {
      const clusterer = new PersonClusterer(opts);
      if (full) return combine([clusterer.load(faces, persons), clusterer.recluster()]);
      const placed = faces.filter((f) => f.personId !== null || f.pinnedPersonId !== null);
      const waiting = faces.filter((f) => f.personId === null && f.pinnedPersonId === null);
      return combine([clusterer.load(placed, persons), clusterer.addFaces(waiting)]);
    },
  };
}

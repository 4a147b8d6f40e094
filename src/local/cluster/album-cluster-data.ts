import type { PeopleStore } from '../store/people-store';
import type { PhotoStore } from '../store/photo-store';
import type { StoredClusterData } from './distinct-content';
import { fusedVectors } from './fused-vectors';

/**
 * An album's stores as a clustering pass reads them, on the daemon's connection (LocalBackend) or the
 * clustering thread's (cluster-worker.ts): face states, persons, and the faces' vectors of the kind the pass
 * clusters on. Fused vectors are offered only while every face has a second vector (one indexed query).
 */
export function albumClusterData(photos: PhotoStore, people: PeopleStore): Required<StoredClusterData> {
  return {
    faceStates: () => photos.clusterFaceStates(),
    persons: () => people.clusterPersons(),
    vectorKinds: () => ({
      available: photos.everyFaceHasSecond() ? 'fused' : 'face-api',
      clustered: people.clusteredVectors(),
    }),
    embeddings: (ids, vectors = 'face-api') =>
      vectors === 'fused' ? fusedVectors(photos.vectorPairsOf(ids)) : photos.embeddingsOf(ids),
  };
}

import type { ClusterSource } from '../local-backend';
import type {
  ClusterChanges,
  ClusterFace,
  ClusterPerson,
  StoredFaceState,
  VectorKind,
  VectorKinds,
} from './cluster-types';

/**
 * Copies of one photo (same bytes saved twice, re-shared, backed up into another folder) are one photo
 * to the clusterer: their faces collapse into one unit per distinct face (content + face index), which
 * counts once for the 3-photo rule, in linkage and in the same-photo rule. A copy adds no evidence about
 * who is in the photo, so units are not weighted by their number of copies. Every copy is then put on
 * its unit's person, so each copy is still listed in that person's photos.
 *
 * A video's kept faces of one track (video-faces.ts) are one unit the same way: its first (best) face
 * speaks for the track, and every face of the track lands on its person. The unit carries the track's
 * spans, so two tracks of one video never seen at one time may share a person (VideoSightings), while
 * the video is still one photo id to the 3-photo rule.
 *
 * A unit is the copy with the lowest face id (its embedding is every copy's embedding); its photo is the
 * first photo of that content; its constraints combine the copies': a pin of any copy (lowest id first),
 * every copy's rejections, and the person most copies are on.
 */
export class DistinctContent {
  /** unit face id → its copies' stored states (the unit's own first). */
  private readonly copies = new Map<number, StoredFaceState[]>();
  readonly units: Omit<ClusterFace, 'embedding'>[] = [];

  constructor(states: readonly StoredFaceState[]) {
    const byContent = new Map<string, StoredFaceState[]>();
    for (const s of [...states].sort((a, b) => a.id - b.id)) {
      const key =
        s.track === null || s.track === undefined
          ? `${s.contentPhotoId}:${s.idx}`
          : `${s.contentPhotoId}:t${s.track}`;
      const list = byContent.get(key);
      if (list) list.push(s);
      else byContent.set(key, [s]);
    }
    for (const list of byContent.values()) {
      const first = list[0]!;
      this.copies.set(first.id, list);
      const votes = new Map<string, number>();
      for (const s of list) if (s.personId !== null) votes.set(s.personId, (votes.get(s.personId) ?? 0) + 1);
      let personId: string | null = null;
      let best = 0;
      for (const [p, n] of votes)
        if (n > best) {
          best = n;
          personId = p;
        }
      this.units.push({
        id: first.id,
        photoId: first.contentPhotoId,
        clusterable: list.some((s) => s.clusterable),
        personId,
        pinnedPersonId: list.find((s) => s.pinnedPersonId !== null)?.pinnedPersonId ?? null,
        rejectedPersonIds: [...new Set(list.flatMap((s) => s.rejectedPersonIds))],
        // A track's faces share its spans: two tracks of one video may share a person when never seen at one time.
        ...(first.spans === undefined ? {} : { spans: first.spans }),
      });
    }
  }

  /** The clusterer's changes for the units, spread onto every copy (and copies that disagree are aligned). */
  expand(changes: ClusterChanges): ClusterChanges {
    const decided = new Map(changes.assignments.map((a) => [a.faceId, a.personId]));
    const assignments: ClusterChanges['assignments'] = [];
    const left = new Set<string>();
    for (const unit of this.units) {
      const personId = decided.has(unit.id) ? decided.get(unit.id)! : unit.personId;
      for (const copy of this.copies.get(unit.id)!) {
        if (copy.personId === personId) continue;
        assignments.push({ faceId: copy.id, personId });
        if (copy.personId !== null) left.add(copy.personId);
      }
    }
    assignments.sort((a, b) => a.faceId - b.faceId);
    // A person a copy left may be empty now; the store keeps any that still has faces.
    const emptied = new Set(changes.emptiedPersons);
    for (const p of left) if (!changes.createdPersons.includes(p)) emptied.add(p);
    // Every copy of a unit waits in the unit's group.
    const unknownGroups = changes.unknownGroups?.map((ids) =>
      ids.flatMap((id) => (this.copies.get(id) ?? []).map((c) => c.id)),
    );
    return {
      ...changes,
      assignments,
      emptiedPersons: [...emptied].sort(),
      ...(unknownGroups ? { unknownGroups } : {}),
    };
  }
}

/** What the store holds for clustering: one state per stored face, copies included. */
export interface StoredClusterData {
  faceStates(): StoredFaceState[];
  embeddings(faceIds: number[], vectors?: VectorKind): Map<number, Float32Array>;
  persons(): ClusterPerson[];
  vectorKinds?(): VectorKinds;
}

/**
 * The store as the clusterer sees it: faceStates() collapses copies into units (DistinctContent), read only
 * when the clusterer asks, so one that reads the store itself (ClusterThread) costs nothing here; expand()
 * spreads the clusterer's changes back onto every copy.
 */
export class DistinctSource implements ClusterSource {
  private content: DistinctContent | null = null;
  /** Stored faces, copies included, that the clusterer read (0 until it asked). */
  faceCount = 0;

  /** The store's, as it is: absent when it tells none (face-api's vectors then, clustering-session.ts). */
  readonly vectorKinds?: () => VectorKinds;

  constructor(private readonly store: StoredClusterData) {
    this.vectorKinds = store.vectorKinds;
  }

  faceStates = (): Omit<ClusterFace, 'embedding'>[] => {
    const states = this.store.faceStates();
    this.faceCount = states.length;
    this.content = new DistinctContent(states);
    return this.content.units;
  };

  embeddings = (faceIds: number[], vectors?: VectorKind): Map<number, Float32Array> =>
    this.store.embeddings(faceIds, vectors);

  persons = (): ClusterPerson[] => this.store.persons();

  /** Whether the clusterer read the faces through this source. */
  get read(): boolean {
    return this.content !== null;
  }

  /** The changes for every copy; as they are when the clusterer read the faces elsewhere (they cover copies). */
  expand(changes: ClusterChanges): ClusterChanges {
    return this.content ? this.content.expand(changes) : changes;
  }
}

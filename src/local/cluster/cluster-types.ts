/**
 * Contract between the local clusterer (this folder) and the local backend (src/local/store, src/local/backend).
 * The clusterer is pure logic + an in-memory vector index; the backend persists what it returns.
 */
export interface ClusterFace {
  id: number;
  photoId: number;
  embedding: Float32Array;
  clusterable: boolean;
  personId: string | null;
  /** Set by a user edit (merge target or manual assignment): recluster must keep this face on this person. */
  pinnedPersonId: string | null;
  /** "Not this person" edits: this face must never be assigned to these persons. */
  rejectedPersonIds: string[];
  /**
   * A video face (a track's unit): the spans its track is seen in. Two faces of one video may share a
   * person when their spans never overlap (video-sightings.ts). Absent for a photo's face.
   */
  spans?: readonly SeenSpan[];
}

/** A span of a video in which a face (its track) is seen; the album's Appearance. */
export interface SeenSpan {
  fromSeconds: number;
  toSeconds: number;
}

/** A face as the store holds it: its clustering state and the distinct content it shows. */
export interface StoredFaceState extends Omit<ClusterFace, 'embedding'> {
  /** The first photo with this photo's content (same hash): copies of one photo share it. */
  contentPhotoId: number;
  /** The face's index in that content. */
  idx: number;
  /**
   * A video face: its track (one person within that video). The few faces kept per track are one unit,
   * like copies are: one person, counted once for the 3-photo rule, compared by the track's best face.
   */
  track?: number | null;
}

export interface ClusterPerson {
  id: string;
  /** A person that was merged away: its faces now belong to `mergedInto`; its id must not be reused. */
  mergedInto: string | null;
  /**
   * Optional (added by the clusterer, compatible): named, hidden or otherwise edited by a user. On a full
   * re-cluster such persons pick their best-overlapping group before unedited ones, so edits keep their id.
   */
  userEdited?: boolean;
}

/**
 * What a pass compares faces by: face-api's 128-d embeddings, or those fused with each face's second
 * vector (fused-vectors.ts), which an album uses only when every face it clusters has one.
 */
export type VectorKind = 'face-api' | 'fused';

/** The vectors every face has now, and those the album's people were last clustered on in full. */
export interface VectorKinds {
  available: VectorKind;
  clustered: VectorKind;
}

/** A change the backend must persist: face → person (null = unassigned), and persons to create/delete. */
export interface ClusterChanges {
  assignments: { faceId: number; personId: string | null }[];
  createdPersons: string[];
  /** Persons left with no faces (the backend deletes them unless named/edited by a user). */
  emptiedPersons: string[];
  /**
   * After a pass: the faces no person holds, grouped by similarity (face ids, every face in one group),
   * for the "Unknown faces" review. Absent: the pass did not group them (the stored grouping stays).
   */
  unknownGroups?: number[][];
  /**
   * Set when the pass re-clustered every face: the vectors it clustered on and their length. The backend
   * logs it and the store keeps the kind (the album's people were made on it), so a session in a later
   * process knows to re-cluster in full when the album's vectors have changed since.
   */
  fullPass?: { vectors: VectorKind; dim: number };
}

import type { Logger } from '../log/logger';
import type { FaceAttributeName } from './face-attributes';
import type {
  ChangesRecord,
  ClusteringRun,
  DetectSource,
  Edit,
  EditReceipt,
  FaceRecord,
  FaceSearchRecord,
  FaceTarget,
  Page,
  PageQuery,
  PeopleQuery,
  PersonPatch,
  PersonPhotosQuery,
  PersonRecord,
  PhotoFaceRecord,
  PhotoOutcome,
  PhotoRecord,
  PhotosWithPeopleQuery,
  SimilarPersonRecord,
  StatsRecord,
  TaskRecord,
  UnknownGroupRecord,
} from './types';

/**
 * The port the album service talks to. Two implementations: IMM (cloud) and local (embedded).
 * A backend knows nothing about HTTP or FC events; ids it returns are opaque to callers.
 * Missing things are `null` (getX) or an AlbumError('not_found') (mutations).
 */
export interface AlbumBackend {
  readonly kind: 'imm' | 'local';
  /** Face attributes this backend tells (GET /capabilities faceAttributes); others never appear. */
  readonly faceAttributes: readonly FaceAttributeName[];
  indexPhotos(uris: string[], log: Logger): Promise<PhotoOutcome[]>;
  removePhotos(uris: string[], log: Logger): Promise<PhotoOutcome[]>;
  /** Runs (or starts and waits for) one clustering pass; `deadline` is an epoch-ms bound. */
  runClustering(opts: { deadline: number; log: Logger }): Promise<ClusteringRun>;

  listPeople(query: PeopleQuery): Promise<Page<PersonRecord>>;
  /** A person; a backend that remembers merges answers for a merged-away id with the person it went into. */
  getPerson(id: string): Promise<PersonRecord | null>;
  /** The person's photos and videos, newest first; `appearances` on a video are this person's spans. */
  listPersonPhotos(id: string, query: PersonPhotosQuery): Promise<Page<PhotoRecord>>;
  /**
   * Photos holding every listed person. Merged-away ids count as their target; an unknown id is
   * AlbumError('not_found'), a hidden person AlbumError('bad_request'), each naming the id.
   */
  listPhotosWithPeople(query: PhotosWithPeopleQuery): Promise<Page<PhotoRecord>>;
  /** "Who is this?": the people each face of an image probably is. Stores nothing. */
  searchFaces(source: DetectSource): Promise<FaceSearchRecord[]>;
  /**
   * Throws AlbumError('too_many_requests') when a search now would be refused anyway (local: the engine's
   * line is full), so the request is answered before its body is read. Absent: never refused early.
   */
  refuseWhenBusy?(): void;
  // Edits take a receipt: a backend with an edit log fills in the id of the entry the edit made.
  updatePerson(id: string, patch: PersonPatch, receipt?: EditReceipt): Promise<PersonRecord>;
  /** `name`: the name `into` ends with (undefined: its own). The kept person's cover does not change. */
  mergePeople(
    from: string[],
    into: string,
    opts?: { name?: string | null; receipt?: EditReceipt },
  ): Promise<TaskRecord>;
  getTask(id: string): Promise<TaskRecord | null>;

  getPhoto(uri: string): Promise<PhotoRecord | null>;
  detectFaces(source: DetectSource): Promise<FaceRecord[]>;
  stats(): Promise<StatsRecord>;

  // Optional edits: a backend without one reports it unavailable in GET /capabilities (the page then
  // shows it as unavailable instead of offering a button that fails).
  /** Makes one of the person's faces its cover. */
  setCover?(personId: string, faceId: string, receipt?: EditReceipt): Promise<PersonRecord>;
  /** Other people likely to be this one ("possibly the same person"): within a calibrated distance, named first. */
  similarPeople?(personId: string, limit: number): Promise<SimilarPersonRecord[]>;
  /** Gives a face to a person by hand (it stays there through later clustering). */
  assignFace?(faceId: string, personId: string, receipt?: EditReceipt): Promise<void>;
  /** "Not this person": the face leaves the person and never rejoins it. */
  rejectFace?(personId: string, faceId: string, receipt?: EditReceipt): Promise<void>;

  /** The edit log, newest first, and undoing one entry (exactly as before it; 409 when a later edit is in the way). */
  listEdits?(query: PageQuery): Promise<Page<Edit>>;
  undoEdit?(id: string): Promise<Edit>;

  /** Faces no person holds, in stored groups (largest first), and one group's faces. */
  listUnknownGroups?(query: PageQuery): Promise<Page<UnknownGroupRecord>>;
  listUnknownGroupFaces?(groupId: string, query: PageQuery): Promise<Page<PhotoFaceRecord>>;
  /** Gives faces to a person or a new one, pinned there; returns the person's id. */
  assignFaces?(faceIds: string[], target: FaceTarget, receipt?: EditReceipt): Promise<string>;
  /** Marks faces "not a face" (out of clustering, people, counts and groups) or takes the mark off. */
  markNotAFace?(faceIds: string[], notAFace: boolean, receipt?: EditReceipt): Promise<string[]>;
  listNotAFaces?(query: PageQuery): Promise<Page<PhotoFaceRecord>>;

  /** The cheap change signal for a page that polls (no aggregation). */
  changes?(): Promise<ChangesRecord>;
  /** Where the photos come from, for the page's empty state. */
  photoSource?(): PhotoSource;
  /**
   * Changes whenever any read's answer may have changed (a write here or by another process); absent
   * (or null) when the backend cannot tell, and then no answer is kept (see http/read-body-memo).
   */
  readVersion?(): string | null;
}

export type PhotoSource =
  | { kind: 'folder'; path: string }
  | { kind: 'bucket'; bucket: string; prefix: string };

/** Where a browser can fetch a photo or a face crop. OSS signed URLs in the cloud, local server URLs locally. */
export interface MediaLinks {
  /** The file's own bytes: a photo, or a video to play. */
  photoUrl(uri: string): string;
  /** A still of a video that an <img> can show. */
  posterUrl(uri: string): string;
  /** A crop of one face; `timeSeconds` for a face seen in a video (the crop is cut from that frame). */
  faceUrl(
    uri: string,
    box: { left: number; top: number; width: number; height: number },
    timeSeconds?: number,
  ): string;
  /** Changes whenever the links this object would sign change (expiry step, base URL); absent when every call differs. */
  epoch?(): string;
}

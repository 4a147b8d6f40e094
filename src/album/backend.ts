import type { Logger } from '../log/logger';
import type { FaceAttributeName } from './face-attributes';
import type {
  ClusteringRun,
  DetectSource,
  FaceRecord,
  FaceSearchRecord,
  Page,
  PeopleQuery,
  PersonPatch,
  PersonPhotosQuery,
  PersonRecord,
  PhotoOutcome,
  PhotoRecord,
  PhotosWithPeopleQuery,
  SimilarPersonRecord,
  StatsRecord,
  TaskRecord,
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
  getPerson(id: string): Promise<PersonRecord | null>;
  listPersonPhotos(id: string, query: PersonPhotosQuery): Promise<Page<PhotoRecord>>;
  /**
   * Photos holding every listed person. Merged-away ids count as their target; an unknown id is
   * AlbumError('not_found'), a hidden person AlbumError('bad_request'), each naming the id.
   */
  listPhotosWithPeople(query: PhotosWithPeopleQuery): Promise<Page<PhotoRecord>>;
  /** "Who is this?": the people each face of an image probably is. Stores nothing. */
  searchFaces(source: DetectSource): Promise<FaceSearchRecord[]>;
  updatePerson(id: string, patch: PersonPatch): Promise<PersonRecord>;
  mergePeople(from: string[], into: string): Promise<TaskRecord>;
  getTask(id: string): Promise<TaskRecord | null>;

  getPhoto(uri: string): Promise<PhotoRecord | null>;
  detectFaces(source: DetectSource): Promise<FaceRecord[]>;
  stats(): Promise<StatsRecord>;

  // Optional edits: a backend without one reports it unavailable in GET /capabilities (the page then
  // shows it as unavailable instead of offering a button that fails).
  /** Makes one of the person's faces its cover. */
  setCover?(personId: string, faceId: string): Promise<PersonRecord>;
  /** Other people ranked by face similarity to this one ("possibly the same person"). */
  similarPeople?(personId: string, limit: number): Promise<SimilarPersonRecord[]>;
  /** Gives a face to a person by hand (it stays there through later clustering). */
  assignFace?(faceId: string, personId: string): Promise<void>;
  /** "Not this person": the face leaves the person and never rejoins it. */
  rejectFace?(personId: string, faceId: string): Promise<void>;
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
  photoUrl(uri: string): string;
  faceUrl(uri: string, box: { left: number; top: number; width: number; height: number }): string;
  /** Changes whenever the links this object would sign change (expiry step, base URL); absent when every call differs. */
  epoch?(): string;
}

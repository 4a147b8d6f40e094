import type { Logger } from '../log/logger';
import type {
  ClusteringRun,
  DetectSource,
  FaceRecord,
  Page,
  PeopleQuery,
  PersonPatch,
  PersonPhotosQuery,
  PersonRecord,
  PhotoOutcome,
  PhotoRecord,
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
  indexPhotos(uris: string[], log: Logger): Promise<PhotoOutcome[]>;
  removePhotos(uris: string[], log: Logger): Promise<PhotoOutcome[]>;
  /** Runs (or starts and waits for) one clustering pass; `deadline` is an epoch-ms bound. */
  runClustering(opts: { deadline: number; log: Logger }): Promise<ClusteringRun>;

  listPeople(query: PeopleQuery): Promise<Page<PersonRecord>>;
  getPerson(id: string): Promise<PersonRecord | null>;
  /** The person's photos and videos, newest first; `appearances` on a video are this person's spans. */
  listPersonPhotos(id: string, query: PersonPhotosQuery): Promise<Page<PhotoRecord>>;
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

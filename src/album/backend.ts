import type { Logger } from '../log/logger';
import type {
  ClusteringRun,
  DetectSource,
  FaceRecord,
  Page,
  PageQuery,
  PeopleQuery,
  PersonPatch,
  PersonRecord,
  PhotoOutcome,
  PhotoRecord,
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
  listPersonPhotos(id: string, query: PageQuery): Promise<Page<PhotoRecord>>;
  updatePerson(id: string, patch: PersonPatch): Promise<PersonRecord>;
  mergePeople(from: string[], into: string): Promise<TaskRecord>;
  getTask(id: string): Promise<TaskRecord | null>;

  getPhoto(uri: string): Promise<PhotoRecord | null>;
  detectFaces(source: DetectSource): Promise<FaceRecord[]>;
  stats(): Promise<StatsRecord>;

  // ---- capabilities: present only on backends that can ----

  /** "Not this person": takes one face out of a person for good (local; IMM has no per-face edit). */
  rejectFace?(personId: string, faceId: string): Promise<void>;
}

/** Where a browser can fetch a photo or a face crop. OSS signed URLs in the cloud, local server URLs locally. */
export interface MediaLinks {
  photoUrl(uri: string): string;
  faceUrl(uri: string, box: { left: number; top: number; width: number; height: number }): string;
}

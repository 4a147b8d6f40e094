/**
 * Shapes shared by the album service, both backends and the HTTP API.
 * "Record" types are what a backend returns; the service turns them into the
 * public JSON shapes (Person, Photo, Face) by adding URLs and the clusterable rule.
 */
import type { AttributeFilter, FaceAttributes } from './face-attributes';

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}
export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}
export type Gender = 'male' | 'female';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface PageQuery {
  limit: number;
  cursor?: string;
}

/** Photos and videos are both "photos" of the album (one identity space); this tells them apart. */
export type MediaType = 'image' | 'video';

/** A time span of a video in which a person is seen (merged: spans never overlap and are ordered). */
export interface Appearance {
  fromSeconds: number;
  toSeconds: number;
}

/** One face as a backend knows it. Angles in degrees, quality/sharpness in [0,1]. */
export interface FaceRecord {
  id: string;
  personId: string | null;
  box: Box;
  confidence: number | null;
  age: number | null;
  gender: Gender | null;
  headPose: HeadPose | null;
  quality: number | null;
  sharpness: number | null;
  /** Videos only: where in the video this face was seen (seconds from the start). Absent on images. */
  timeSeconds?: number;
  /** Only what the backend can tell (GET /capabilities faceAttributes); `{}` when nothing. */
  attributes: FaceAttributes;
}

export interface PhotoRecord {
  /** `oss://<bucket>/<key>` on both backends (the local backend's bucket is a folder). */
  uri: string;
  width: number | null;
  height: number | null;
  takenAt: string | null;
  faces: FaceRecord[];
  mediaType: MediaType;
  /** Videos only (absent on images); null when the container does not say. */
  durationSeconds?: number | null;
  /**
   * Videos only (absent on images): in a person's list, that person's merged spans; from
   * GET /photos/faces, the spans in which anyone is seen.
   */
  appearances?: Appearance[];
}

export interface PersonCover {
  uri: string;
  box: Box | null;
  /** A cover face seen in a video: where (the service uses it for the crop, then drops it). */
  timeSeconds?: number;
}

export interface PersonRecord {
  id: string;
  name: string | null;
  hidden: boolean;
  labels: Record<string, string>;
  faceCount: number;
  imageCount: number;
  videoCount: number;
  gender: Gender | null;
  age: { avg: number; min: number; max: number } | null;
  cover: PersonCover | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export type PeopleSort = 'imageCount' | 'updatedAt' | 'name';
export type SortOrder = 'asc' | 'desc';
export type HiddenFilter = 'exclude' | 'include' | 'only';

export interface PeopleQuery extends PageQuery {
  sort: PeopleSort;
  order: SortOrder;
  hidden: HiddenFilter;
  /** Name contains this text (case-, accent- and width-insensitive; see album/name-search.ts). */
  q?: string;
}

/** Taken-date bounds (ISO 8601, inclusive); a photo without a date is outside any bounded range. */
export interface TakenRange {
  from?: string;
  to?: string;
}

/**
 * GET /people/:id/photos: the person's photos and videos, newest first, optionally within dates, by
 * the person's face attributes, or one media type.
 */
export interface PersonPhotosQuery extends PageQuery, TakenRange {
  attributes?: AttributeFilter;
  mediaType?: MediaType;
}

/** GET /photos?people=: photos holding every listed person, newest first. */
export interface PhotosWithPeopleQuery extends PageQuery, TakenRange {
  people: string[];
  mediaType?: MediaType;
}

/** One face found in a searched image and the people it probably is, closest first. */
export interface FaceSearchRecord {
  box: Box;
  matches: { person: PersonRecord; similarity: number }[];
}

export interface PersonPatch {
  name?: string | null;
  hidden?: boolean;
  labels?: Record<string, string>;
}

export type TaskType = 'clustering' | 'merge';
export type TaskStatus = 'running' | 'succeeded' | 'failed';

export interface TaskRecord {
  id: string;
  type: TaskType;
  status: TaskStatus;
  code: string | null;
  message: string | null;
  startedAt: string | null;
  endedAt: string | null;
}

export interface StatsRecord {
  backend: 'imm' | 'local';
  photoCount: number | null;
  faceCount: number | null;
  personCount: number | null;
  lastClustering: TaskRecord | null;
  /** Photos waiting to be indexed and photos refused (null: the backend cannot tell, e.g. IMM indexes asynchronously). */
  indexing: { queued: number | null; refused: number | null };
  /**
   * Videos indexed and refused (null: the backend cannot tell), and why videos cannot be analysed at all
   * (e.g. no ffmpeg), null when they can.
   */
  videos: { indexed: number | null; refused: number | null; unavailableReason: string | null };
}

/** A person that may be the same as another one, by face similarity (smaller distance = closer). */
export interface SimilarPersonRecord {
  person: PersonRecord;
  distance: number;
}

/** Result of one indexing or removal request, one per photo. */
export interface PhotoOutcome {
  uri: string;
  action: 'index' | 'remove';
  /** submitted: accepted by an asynchronous backend (IMM); done: finished now (local). */
  outcome: 'submitted' | 'done' | 'unchanged' | 'rejected';
  faces?: number;
  reason?: string;
}

export interface ClusteringRun {
  outcome: 'started' | 'skipped' | 'succeeded' | 'failed' | 'timeout';
  reason?: string;
  task: TaskRecord | null;
  newPeople?: number;
  updatedPeople?: number;
}

/** A photo given to POST /detect: a stored photo, or bytes uploaded with the request. */
export type DetectSource =
  | { kind: 'uri'; uri: string }
  | { kind: 'bytes'; bytes: Uint8Array; contentType: string | null };

// ---- public JSON shapes (identical on both backends) ----

/** Why a face cannot found a person: which part of the clusterable rule it fails, in words. */
export interface UnclusterableReason {
  code: 'small' | 'turned' | 'no_pose' | 'low_quality';
  message: string;
}

export interface Face extends FaceRecord {
  clusterable: boolean;
  /** Empty when clusterable. */
  unclusterableReasons: UnclusterableReason[];
  faceUrl: string | null;
}

export interface SimilarPerson {
  person: Person;
  distance: number;
}

export interface FaceSearchResult {
  box: Box;
  matches: { person: Person; similarity: number }[];
}

interface PhotoBase {
  uri: string;
  key: string;
  width: number | null;
  height: number | null;
  takenAt: string | null;
  /** For a video, a poster frame (an image the browser can show); the video itself is `videoUrl`. */
  photoUrl: string;
  faces: Face[];
}
export interface ImagePhoto extends PhotoBase {
  mediaType: 'image';
}
export interface VideoPhoto extends PhotoBase {
  mediaType: 'video';
  videoUrl: string;
  durationSeconds: number | null;
  appearances: Appearance[];
}
export type Photo = ImagePhoto | VideoPhoto;

export interface Person extends Omit<PersonRecord, 'cover'> {
  cover: (Omit<PersonCover, 'timeSeconds'> & { photoUrl: string; faceUrl: string | null }) | null;
}

// ---- edits, their log and undo ----

export type EditKind =
  | 'rename'
  | 'hide'
  | 'unhide'
  | 'labels'
  | 'merge'
  | 'not-this-person'
  | 'give-to-person'
  | 'cover'
  | 'not-a-face'
  | 'is-a-face';

/** One entry of the edit log (GET /edits), newest first. */
export interface Edit {
  id: string;
  kind: EditKind;
  /** In words, for a status line: 'Merged 2 people into "Alice"'. */
  summary: string;
  personIds: string[];
  createdAt: string;
  undoneAt: string | null;
  /** Not undone yet (an undo may still be refused when a later edit touched the same people or faces). */
  undoable: boolean;
}

/**
 * Filled in by a backend with an edit log: the id of the entry an edit made (the X-Album-Edit-Id
 * header). Passed to each edit; a backend without a log leaves it null.
 */
export interface EditReceipt {
  editId: string | null;
}

/** Where faces given by hand go: an existing person, or a new one. */
export type FaceTarget = { personId: string } | { newPerson: { name: string | null } };

/** A face with the photo it is in (the unknown-faces and not-a-face lists). */
export interface PhotoFaceRecord extends FaceRecord {
  uri: string;
}

export interface PhotoFace extends Face {
  uri: string;
  photoUrl: string;
}

export interface UnknownGroupRecord {
  id: string;
  size: number;
  faces: PhotoFaceRecord[];
}

export interface UnknownGroup {
  id: string;
  size: number;
  faces: PhotoFace[];
}

/** The cheap change signal (GET /changes): `generation` differs whenever people, faces or photos changed. */
export interface ChangesRecord {
  generation: string;
  indexing: { queued: number; running: number };
}

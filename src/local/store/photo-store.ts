import type { FaceAttributes } from '../../album/face-attributes';
import type { Appearance, Box, FaceRecord, Gender, MediaType } from '../../album/types';
import type { StoredFaceState } from '../cluster/cluster-types';
import type { AnalyzedPhoto, DetectedFace } from '../engine/face-engine';
import type { AnalyzedVideo } from '../video/video-analyzer';
import { coverRankSql } from './cover-rank';
import { type Db, type GroupCommit, groupCommitOf } from './database';
import { MetaStore } from './meta-store';

export interface FileStamp {
  size: number;
  mtimeMs: number;
}
export interface KnownFile extends FileStamp {
  path: string;
  state: 'photo' | 'rejected';
  hash: string | null;
  /** Why it was refused (state 'rejected'). */
  reason?: string;
}

export interface StoredAnalysis {
  width: number | null;
  height: number | null;
  takenAt: string | null;
  rejected: { reason: string; message: string } | null;
}

export interface StoredPhoto {
  id: number;
  path: string;
  hash: string;
  width: number | null;
  height: number | null;
  takenAt: string | null;
  mediaType: MediaType;
  durationSeconds: number | null;
}

/** What a re-run of the engine gives a stored face (`face-album reanalyse`). */
export interface ReanalysedFace {
  attributes: FaceAttributes;
  second?: Float32Array;
}

export interface StoredFace extends FaceRecord {
  photoId: number;
  clusterable: boolean;
  /** A video face: the spans of the person (track) it stands for in that video. */
  spans?: Appearance[];
}

interface FaceRow {
  id: number;
  photo_id: number;
  person_id: string | null;
  clusterable: number;
  box_left: number;
  box_top: number;
  box_width: number;
  box_height: number;
  confidence: number | null;
  age: number | null;
  gender: string | null;
  yaw: number | null;
  pitch: number | null;
  roll: number | null;
  quality: number | null;
  sharpness: number | null;
  attributes: string | null;
  time_seconds?: number | null;
  spans?: string | null;
}

const FACE_COLUMNS = `f.id, f.photo_id, f.person_id, f.clusterable, a.box_left, a.box_top, a.box_width, a.box_height,
  a.confidence, a.age, a.gender, a.yaw, a.pitch, a.roll, a.quality, a.sharpness, a.attributes, a.time_seconds, a.spans`;
const FACE_JOIN = `faces f JOIN photos p ON p.id = f.photo_id JOIN analysis_faces a ON a.hash = p.hash AND a.idx = f.idx`;

export function toFaceRecord(r: FaceRow): StoredFace {
  const box: Box = { left: r.box_left, top: r.box_top, width: r.box_width, height: r.box_height };
  return {
    id: String(r.id),
    photoId: r.photo_id,
    personId: r.person_id,
    box,
    confidence: r.confidence,
    age: r.age,
    gender: r.gender === 'male' || r.gender === 'female' ? (r.gender as Gender) : null,
    headPose:
      r.yaw === null || r.pitch === null || r.roll === null
        ? null
        : { yaw: r.yaw, pitch: r.pitch, roll: r.roll },
    quality: r.quality,
    sharpness: r.sharpness,
    // NULL: analysed before attributes were read (face-attributes-column.ts).
    attributes: r.attributes ? (JSON.parse(r.attributes) as FaceAttributes) : {},
    clusterable: r.clusterable === 1,
    ...(r.time_seconds !== null && r.time_seconds !== undefined
      ? { timeSeconds: r.time_seconds, spans: r.spans ? (JSON.parse(r.spans) as Appearance[]) : [] }
      : {}),
  };
}

interface PhotoRow {
  id: number;
  path: string;
  hash: string;
  width: number | null;
  height: number | null;
  taken_at: string | null;
  media_type: string;
  duration_seconds: number | null;
}

/** Every read of photos selects these columns and maps them with `toStoredPhoto`. */
const PHOTO_SELECT =
  'SELECT p.id, p.path, p.hash, a.width, a.height, a.taken_at, a.media_type, a.duration_seconds FROM photos p JOIN analyses a ON a.hash = p.hash';

const toStoredPhoto = (r: PhotoRow): StoredPhoto => ({
  id: r.id,
  path: r.path,
  hash: r.hash,
  width: r.width,
  height: r.height,
  takenAt: r.taken_at,
  mediaType: r.media_type === 'video' ? 'video' : 'image',
  durationSeconds: r.duration_seconds,
});

/**
 * The faces a pass clusters (all but "not a face") that lack a second vector. CROSS JOIN keeps this order
 * (the planner would rather scan every face): the partial index of faces without one first
 * (second-vector-column.ts), then whether a photo shows one that is clustered.
 */
const CLUSTERED_WITHOUT_SECOND = `FROM analysis_faces a INDEXED BY analysis_faces_without_second
  CROSS JOIN photos p ON p.hash = a.hash CROSS JOIN faces f ON f.photo_id = p.id AND f.idx = a.idx
  WHERE a.second IS NULL AND f.not_a_face = 0`;

const toBlob = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
/** The analysis_faces columns from box_left to second, as the INSERTs list them: photos and video faces alike. */
const faceColumns = (f: Omit<DetectedFace, 'attributes'>) => [
  f.box.left,
  f.box.top,
  f.box.width,
  f.box.height,
  f.confidence,
  f.age,
  f.gender,
  f.headPose.yaw,
  f.headPose.pitch,
  f.headPose.roll,
  f.quality,
  f.sharpness,
  toBlob(f.embedding),
  // NULL: the engine gave none (an analysis from before it did; second-vector-column.ts).
  f.second ? toBlob(f.second) : null,
];
const fromBlob = (b: Buffer): Float32Array =>
  new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** Photos, their analyses (by content hash), their faces, and files that were rejected. */
export class PhotoStore {
  private readonly writes: GroupCommit;
  private readonly meta: MetaStore;

  constructor(private readonly db: Db) {
    this.writes = groupCommitOf(db);
    this.meta = new MetaStore(db);
  }

  knownFile(path: string): KnownFile | null {
    const photo = this.db.prepare('SELECT path, size, mtime_ms, hash FROM photos WHERE path = ?').get(path) as
      | { path: string; size: number; mtime_ms: number; hash: string }
      | undefined;
    if (photo) return { path, size: photo.size, mtimeMs: photo.mtime_ms, state: 'photo', hash: photo.hash };
    const rejected = this.db
      .prepare('SELECT size, mtime_ms, reason FROM rejected_files WHERE path = ?')
      .get(path) as { size: number; mtime_ms: number; reason: string } | undefined;
    return rejected
      ? {
          path,
          size: rejected.size,
          mtimeMs: rejected.mtime_ms,
          state: 'rejected',
          hash: null,
          reason: rejected.reason,
        }
      : null;
  }

  /** Every path the store knows (indexed or rejected), for catching up after a restart. */
  knownFiles(): Map<string, FileStamp> {
    const out = new Map<string, FileStamp>();
    for (const r of this.db
      .prepare(
        'SELECT path, size, mtime_ms FROM photos UNION ALL SELECT path, size, mtime_ms FROM rejected_files',
      )
      .all() as { path: string; size: number; mtime_ms: number }[])
      out.set(r.path, { size: r.size, mtimeMs: r.mtime_ms });
    return out;
  }

  findAnalysis(hash: string): StoredAnalysis | null {
    const r = this.db
      .prepare(
        'SELECT width, height, taken_at, rejected_reason, rejected_message FROM analyses WHERE hash = ?',
      )
      .get(hash) as
      | {
          width: number | null;
          height: number | null;
          taken_at: string | null;
          rejected_reason: string | null;
          rejected_message: string | null;
        }
      | undefined;
    if (!r) return null;
    return {
      width: r.width,
      height: r.height,
      takenAt: r.taken_at,
      rejected: r.rejected_reason ? { reason: r.rejected_reason, message: r.rejected_message ?? '' } : null,
    };
  }

  saveAnalysis(hash: string, analysis: AnalyzedPhoto): void {
    const insertFace =
      this.db.prepare(`INSERT INTO analysis_faces (hash, idx, box_left, box_top, box_width, box_height, confidence, age, gender,
      yaw, pitch, roll, quality, sharpness, embedding, second, attributes) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
    this.writes.run(() => {
      this.db.prepare('DELETE FROM analyses WHERE hash = ?').run(hash);
      this.db
        .prepare('INSERT INTO analyses (hash, width, height, taken_at, created_at) VALUES (?,?,?,?,?)')
        .run(hash, analysis.width, analysis.height, analysis.takenAt, new Date().toISOString());
      analysis.faces.forEach((f: DetectedFace, i) => {
        insertFace.run(hash, i, ...faceColumns(f), JSON.stringify(f.attributes));
      });
    });
  }

  /** A video's analysis: its kept faces (few per person), each with its time, track and the track's spans. */
  saveVideoAnalysis(hash: string, video: AnalyzedVideo): void {
    const insertFace =
      this.db.prepare(`INSERT INTO analysis_faces (hash, idx, box_left, box_top, box_width, box_height, confidence, age, gender,
      yaw, pitch, roll, quality, sharpness, embedding, second, attributes, time_seconds, track, spans)
      VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
    this.writes.run(() => {
      this.db.prepare('DELETE FROM analyses WHERE hash = ?').run(hash);
      this.db
        .prepare(
          `INSERT INTO analyses (hash, width, height, taken_at, created_at, media_type, duration_seconds) VALUES (?,?,?,?,?,'video',?)`,
        )
        .run(hash, video.width, video.height, video.takenAt, new Date().toISOString(), video.durationSeconds);
      video.faces.forEach((f, i) => {
        insertFace.run(
          hash,
          i,
          ...faceColumns(f),
          JSON.stringify(f.attributes ?? {}),
          f.timeSeconds,
          f.track,
          JSON.stringify(f.spans),
        );
      });
    });
  }

  /**
   * Analyses made before the engine read face attributes or computed second vectors (a face with
   * `attributes` or `second` NULL), each with one path that shows it, after `afterHash` in hash order:
   * what `face-album reanalyse` works through. Videos' only when `videos` (the album analyses them).
   */
  analysesToReanalyse(
    afterHash: string,
    limit: number,
    videos: boolean,
  ): { hash: string; path: string; mediaType: MediaType }[] {
    return this.db
      .prepare(
        `SELECT a.hash, (SELECT path FROM photos p WHERE p.hash = a.hash ORDER BY id LIMIT 1) AS path, a.media_type AS mediaType
        FROM analyses a WHERE a.hash > ? AND a.rejected_reason IS NULL AND (a.media_type = 'image' OR ?)
          AND EXISTS (SELECT 1 FROM analysis_faces af WHERE af.hash = a.hash AND (af.attributes IS NULL OR af.second IS NULL))
          AND EXISTS (SELECT 1 FROM photos p WHERE p.hash = a.hash)
        ORDER BY a.hash LIMIT ?`,
      )
      .all(afterHash, videos ? 1 : 0, limit) as { hash: string; path: string; mediaType: MediaType }[];
  }

  /** Stored boxes of one analysis (and a video face's time), by face index (to match a re-run's faces to them). */
  analysisBoxes(hash: string): { idx: number; box: Box; timeSeconds: number | null }[] {
    return (
      this.db
        .prepare(
          'SELECT idx, box_left, box_top, box_width, box_height, time_seconds FROM analysis_faces WHERE hash = ? ORDER BY idx',
        )
        .all(hash) as {
        idx: number;
        box_left: number;
        box_top: number;
        box_width: number;
        box_height: number;
        time_seconds: number | null;
      }[]
    ).map((r) => ({
      idx: r.idx,
      box: { left: r.box_left, top: r.box_top, width: r.box_width, height: r.box_height },
      timeSeconds: r.time_seconds,
    }));
  }

  /**
   * Fills what an analysis's faces lack from a re-run (by face index): attributes still NULL take the
   * re-run's (`{}` for a face it did not find again, so it is not asked again), a second vector still NULL
   * takes the re-run's (a face not found again keeps none). What a face has is kept. The person rows of
   * every photo showing it follow the attributes. Returns the number of faces given a second vector.
   */
  fillReanalysis(hash: string, byIdx: Map<number, ReanalysedFace>): number {
    return this.writes.run(() => {
      const lacking = this.db
        .prepare('SELECT idx FROM analysis_faces WHERE hash = ? AND second IS NULL')
        .pluck()
        .all(hash) as number[];
      const set = this.db.prepare(
        'UPDATE analysis_faces SET attributes = COALESCE(attributes, ?), second = COALESCE(second, ?) WHERE hash = ? AND idx = ?',
      );
      for (const { idx } of this.analysisBoxes(hash)) {
        const found = byIdx.get(idx);
        set.run(
          JSON.stringify(found?.attributes ?? {}),
          found?.second ? toBlob(found.second) : null,
          hash,
          idx,
        );
      }
      // Closed eyes or a smile move a face in its person's cover order (cover-rank.ts).
      this.db
        .prepare(
          `UPDATE faces SET cover_rank = (SELECT ${coverRankSql('a')} FROM analysis_faces a WHERE a.hash = ? AND a.idx = faces.idx)
          WHERE photo_id IN (SELECT id FROM photos WHERE hash = ?)`,
        )
        .run(hash, hash);
      this.db
        .prepare(
          `UPDATE person_photos SET attributes = (SELECT af.attributes FROM faces f JOIN photos p ON p.id = f.photo_id
            JOIN analysis_faces af ON af.hash = p.hash AND af.idx = f.idx
            WHERE f.person_id = person_photos.person_id AND f.photo_id = person_photos.photo_id ORDER BY f.idx LIMIT 1)
          WHERE photo_id IN (SELECT id FROM photos WHERE hash = ?)`,
        )
        .run(hash);
      return lacking.filter((idx) => byIdx.get(idx)?.second).length;
    });
  }

  /** Content the engine refused: remembered by hash so a copy of it is not analysed again either. */
  saveRejectedAnalysis(hash: string, reason: string, message: string): void {
    this.db
      .prepare(`INSERT INTO analyses (hash, rejected_reason, rejected_message, created_at) VALUES (?,?,?,?)
      ON CONFLICT(hash) DO UPDATE SET rejected_reason = excluded.rejected_reason, rejected_message = excluded.rejected_message`)
      .run(hash, reason, message, new Date().toISOString());
  }

  /**
   * Points `path` at analysed content. A changed hash drops the old faces (and their person links) and
   * creates one face row per analysed face; the same hash only refreshes the file stamp.
   */
  upsertPhoto(
    path: string,
    hash: string,
    stamp: FileStamp,
    clusterable: (face: StoredFace) => boolean,
  ): { changed: boolean; faces: number } {
    return this.writes.run(() => {
      this.db.prepare('DELETE FROM rejected_files WHERE path = ?').run(path);
      const existing = this.db.prepare('SELECT id, hash FROM photos WHERE path = ?').get(path) as
        | { id: number; hash: string }
        | undefined;
      const now = new Date().toISOString();
      if (existing && existing.hash === hash) {
        this.db
          .prepare('UPDATE photos SET size = ?, mtime_ms = ? WHERE id = ?')
          .run(stamp.size, stamp.mtimeMs, existing.id);
        const n = this.db.prepare('SELECT COUNT(*) AS n FROM faces WHERE photo_id = ?').get(existing.id) as {
          n: number;
        };
        return { changed: false, faces: n.n };
      }
      let photoId: number;
      if (existing) {
        this.db.prepare('DELETE FROM faces WHERE photo_id = ?').run(existing.id);
        this.db
          .prepare('UPDATE photos SET hash = ?, size = ?, mtime_ms = ?, indexed_at = ? WHERE id = ?')
          .run(hash, stamp.size, stamp.mtimeMs, now, existing.id);
        photoId = existing.id;
      } else {
        photoId = Number(
          this.db
            .prepare(
              `INSERT INTO photos (path, hash, size, mtime_ms, indexed_at, media_type)
              VALUES (?,?,?,?,?,COALESCE((SELECT media_type FROM analyses WHERE hash = ?), 'image'))`,
            )
            .run(path, hash, stamp.size, stamp.mtimeMs, now, hash).lastInsertRowid,
        );
      }
      const analysed = this.db
        .prepare(
          `SELECT 0 AS id, ? AS photo_id, NULL AS person_id, 0 AS clusterable, a.* FROM analysis_faces a WHERE a.hash = ? ORDER BY a.idx`,
        )
        .all(photoId, hash) as (FaceRow & { idx: number })[];
      const known = this.knownFaces(photoId, hash);
      const insert = this.db.prepare(`INSERT INTO faces (photo_id, idx, clusterable, quality, age, gender,
        person_id, pinned_person_id, rejected_person_ids, not_a_face, video, cover_rank)
        SELECT ?,?,?,?,?,?,?,?,?,?,?, ${coverRankSql('a')} FROM analysis_faces a WHERE a.hash = ? AND a.idx = ?`);
      for (const row of analysed) {
        const was = known.get(row.idx);
        insert.run(
          photoId,
          row.idx,
          clusterable(toFaceRecord(row)) ? 1 : 0,
          row.quality,
          row.age,
          row.gender,
          was?.person_id ?? null,
          was?.pinned_person_id ?? null,
          was?.rejected_person_ids ?? '[]',
          was?.not_a_face ?? 0,
          row.time_seconds === null || row.time_seconds === undefined ? 0 : 1,
          hash,
          row.idx,
        );
      }
      this.bumpGeneration();
      return { changed: true, faces: analysed.length };
    });
  }

  recordRejection(path: string, stamp: FileStamp, reason: string, message: string): void {
    this.writes.run(() => {
      this.rememberFaces(path);
      if (this.db.prepare('DELETE FROM photos WHERE path = ?').run(path).changes) this.bumpGeneration();
      this.db
        .prepare(`INSERT INTO rejected_files (path, size, mtime_ms, reason, message, rejected_at) VALUES (?,?,?,?,?,?)
        ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, reason = excluded.reason,
        message = excluded.message, rejected_at = excluded.rejected_at`)
        .run(path, stamp.size, stamp.mtimeMs, reason, message, new Date().toISOString());
    });
  }

  /** Forgets a path; true when a photo (not just a rejection) was removed. */
  removePath(path: string): boolean {
    return this.writes.run(() => {
      this.db.prepare('DELETE FROM rejected_files WHERE path = ?').run(path);
      this.rememberFaces(path);
      const removed = this.db.prepare('DELETE FROM photos WHERE path = ?').run(path).changes > 0;
      if (removed) this.bumpGeneration();
      return removed;
    });
  }

  /** Paths under a folder (for a removed directory). */
  pathsUnder(prefix: string): string[] {
    const like = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return (
      this.db
        .prepare(
          `SELECT path FROM photos WHERE path LIKE ? ESCAPE '\\' UNION SELECT path FROM rejected_files WHERE path LIKE ? ESCAPE '\\'`,
        )
        .all(like, like) as { path: string }[]
    ).map((r) => r.path);
  }

  /** The paths holding this content, with the stamps they were indexed at (by photos_hash). */
  pathsWithHash(hash: string): ({ path: string } & FileStamp)[] {
    return this.db
      .prepare('SELECT path, size, mtime_ms AS mtimeMs FROM photos WHERE hash = ?')
      .all(hash) as ({ path: string } & FileStamp)[];
  }

  photoByPath(path: string): StoredPhoto | null {
    const r = this.db.prepare(`${PHOTO_SELECT} WHERE p.path = ?`).get(path) as PhotoRow | undefined;
    return r ? toStoredPhoto(r) : null;
  }

  photosByIds(ids: number[]): StoredPhoto[] {
    if (!ids.length) return [];
    const rows = this.db
      .prepare(`${PHOTO_SELECT} WHERE p.id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(ids)) as PhotoRow[];
    const byId = new Map(rows.map((r) => [r.id, toStoredPhoto(r)]));
    return ids.map((id) => byId.get(id)).filter((p): p is StoredPhoto => !!p);
  }

  facesOfPhotos(photoIds: number[]): Map<number, StoredFace[]> {
    const out = new Map<number, StoredFace[]>();
    if (!photoIds.length) return out;
    const rows = this.db
      .prepare(
        `SELECT ${FACE_COLUMNS} FROM ${FACE_JOIN} WHERE f.photo_id IN (SELECT value FROM json_each(?)) ORDER BY f.photo_id, f.idx`,
      )
      .all(JSON.stringify(photoIds)) as FaceRow[];
    for (const row of rows) {
      const face = toFaceRecord(row);
      const list = out.get(face.photoId) ?? [];
      list.push(face);
      out.set(face.photoId, list);
    }
    return out;
  }

  /** Faces by id with the path of their photo, in the order asked (ids not found are left out). */
  facesByIds(ids: number[]): (StoredFace & { path: string })[] {
    if (!ids.length) return [];
    const rows = this.db
      .prepare(
        `SELECT ${FACE_COLUMNS}, p.path FROM ${FACE_JOIN} WHERE f.id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(ids)) as (FaceRow & { path: string })[];
    const byId = new Map(rows.map((r) => [r.id, { ...toFaceRecord(r), path: r.path }]));
    return ids.map((id) => byId.get(id)).filter((f) => f !== undefined);
  }

  /**
   * All faces (but those marked "not a face") with their edit constraints but without embeddings, and the distinct content each shows
   * (copies of one photo share the first photo's id): what a clustering run compares.
   */
  clusterFaceStates(): StoredFaceState[] {
    const rows = this.db
      .prepare(
        `SELECT f.id, f.photo_id, f.idx, c.first AS content_photo_id, f.clusterable, f.person_id, f.pinned_person_id,
          f.rejected_person_ids, a.track, a.spans
        FROM faces f JOIN photos p ON p.id = f.photo_id JOIN analysis_faces a ON a.hash = p.hash AND a.idx = f.idx
        JOIN (SELECT hash, MIN(id) AS first FROM photos GROUP BY hash) c ON c.hash = p.hash
        WHERE f.not_a_face = 0 ORDER BY f.id`,
      )
      .all() as {
      id: number;
      photo_id: number;
      idx: number;
      content_photo_id: number;
      clusterable: number;
      person_id: string | null;
      pinned_person_id: string | null;
      rejected_person_ids: string;
      track: number | null;
      spans: string | null;
    }[];
    return rows.map((r) => ({
      track: r.track,
      ...(r.track === null ? {} : { spans: r.spans ? (JSON.parse(r.spans) as Appearance[]) : [] }),
      id: r.id,
      photoId: r.photo_id,
      contentPhotoId: r.content_photo_id,
      idx: r.idx,
      clusterable: r.clusterable === 1,
      personId: r.person_id,
      pinnedPersonId: r.pinned_person_id,
      rejectedPersonIds: JSON.parse(r.rejected_person_ids) as string[],
    }));
  }

  /** Face-api's 128-d embedding of each face found. */
  embeddingsOf(faceIds: number[]): Map<number, Float32Array> {
    const out = new Map<number, Float32Array>();
    this.eachVectorRow(faceIds, 'a.embedding', (r) => out.set(r.id, fromBlob(r.embedding)));
    return out;
  }

  /** Both identity vectors of each face found that has a second one (faces without it are left out). */
  vectorPairsOf(faceIds: number[]): Map<number, { embedding: Float32Array; second: Float32Array }> {
    const out = new Map<number, { embedding: Float32Array; second: Float32Array }>();
    this.eachVectorRow(faceIds, 'a.embedding, a.second', (r) => {
      if (r.second) out.set(r.id, { embedding: fromBlob(r.embedding), second: fromBlob(r.second) });
    });
    return out;
  }

  /** The clusterer asks for up to every face at once: read in slices of 10k ids. */
  private eachVectorRow(
    faceIds: number[],
    columns: string,
    each: (r: { id: number; embedding: Buffer; second?: Buffer | null }) => void,
  ): void {
    const query = this.db.prepare(
      `SELECT f.id, ${columns} FROM ${FACE_JOIN} WHERE f.id IN (SELECT value FROM json_each(?))`,
    );
    for (let i = 0; i < faceIds.length; i += 10_000)
      for (const r of query.all(JSON.stringify(faceIds.slice(i, i + 10_000))) as {
        id: number;
        embedding: Buffer;
        second?: Buffer | null;
      }[])
        each(r);
  }

  /**
   * Whether every face a clustering pass compares (all but those marked "not a face") has a second
   * vector: the album may then cluster on fused vectors. Reads the partial index of faces without one
   * (second-vector-column.ts), so it costs next to nothing whatever the album's size.
   */
  everyFaceHasSecond(): boolean {
    return this.db.prepare(`SELECT 1 ${CLUSTERED_WITHOUT_SECOND} LIMIT 1`).get() === undefined;
  }

  /** How many clustered faces lack a second vector (`face-album status`; a walk of the partial index). */
  facesWithoutSecond(): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n ${CLUSTERED_WITHOUT_SECOND}`).get() as { n: number }).n;
  }

  /** Photos in path order, with faces and optionally embeddings, for `export`. */
  *allPhotos(): Generator<StoredPhoto> {
    for (const r of this.db
      .prepare(`${PHOTO_SELECT} ORDER BY p.path`)
      .iterate() as IterableIterator<PhotoRow>)
      yield toStoredPhoto(r);
  }

  embeddingsOfPhoto(photoId: number): Map<string, number[]> {
    const rows = this.db
      .prepare(`SELECT f.id, a.embedding FROM ${FACE_JOIN} WHERE f.photo_id = ?`)
      .all(photoId) as { id: number; embedding: Buffer }[];
    return new Map(rows.map((r) => [String(r.id), Array.from(fromBlob(r.embedding))]));
  }

  /** Album counts kept by triggers (person-stats.ts), not counted at read time. */
  counts(): { photos: number; videos: number; faces: number; rejected: number; rejectedVideos: number } {
    const n = new Map(
      (this.db.prepare('SELECT name, n FROM album_counts').all() as { name: string; n: number }[]).map(
        (r) => [r.name, r.n],
      ),
    );
    // `photos` counts every row; videos are counted apart, so a photo count is images only.
    const videos = n.get('videos') ?? 0;
    return {
      photos: (n.get('photos') ?? 0) - videos,
      videos,
      faces: n.get('faces') ?? 0,
      rejected: n.get('rejected') ?? 0,
      rejectedVideos: n.get('rejected_videos') ?? 0,
    };
  }

  /** Forgets refusals for `reason` (e.g. no ffmpeg, once one is found): those files are indexed again. */
  forgetRejections(reason: string): string[] {
    const paths = this.db
      .prepare('SELECT path FROM rejected_files WHERE reason = ?')
      .pluck()
      .all(reason) as string[];
    this.db.prepare('DELETE FROM rejected_files WHERE reason = ?').run(reason);
    return paths;
  }

  rejectedFiles(): { path: string; reason: string; message: string }[] {
    return this.db.prepare('SELECT path, reason, message FROM rejected_files ORDER BY path').all() as {
      path: string;
      reason: string;
      message: string;
    }[];
  }

  /** Keeps the person and edits of a photo's faces, by content, before the photo row goes. */
  private rememberFaces(path: string): void {
    this.db
      .prepare(`INSERT INTO face_memory (hash, idx, person_id, pinned_person_id, rejected_person_ids, not_a_face)
      SELECT p.hash, f.idx, f.person_id, f.pinned_person_id, f.rejected_person_ids, f.not_a_face FROM faces f JOIN photos p ON p.id = f.photo_id WHERE p.path = ?
      ON CONFLICT(hash, idx) DO UPDATE SET person_id = excluded.person_id, pinned_person_id = excluded.pinned_person_id,
        rejected_person_ids = excluded.rejected_person_ids, not_a_face = excluded.not_a_face`)
      .run(path);
  }

  /**
   * New faces of known content take what is known about that content, by face index: from a live copy
   * first, else from the memory of a removed photo (a move). A person that no longer exists (or was
   * merged away) is not restored. Read before the faces are inserted, so each face is written once.
   */
  private knownFaces(
    photoId: number,
    hash: string,
  ): Map<
    number,
    {
      person_id: string | null;
      pinned_person_id: string | null;
      rejected_person_ids: string;
      not_a_face: number;
    }
  > {
    const copy = this.db
      .prepare('SELECT id FROM photos WHERE hash = ? AND id <> ? ORDER BY id LIMIT 1')
      .get(hash, photoId) as { id: number } | undefined;
    const rows = (
      copy
        ? this.db
            .prepare(
              `SELECT f.idx, CASE WHEN p.id IS NOT NULL THEN f.person_id END AS person_id, f.pinned_person_id, f.rejected_person_ids,
                f.not_a_face FROM faces f LEFT JOIN people p ON p.id = f.person_id AND p.merged_into IS NULL WHERE f.photo_id = ?`,
            )
            .all(copy.id)
        : this.db
            .prepare(
              `SELECT m.idx, CASE WHEN p.id IS NOT NULL THEN m.person_id END AS person_id, m.pinned_person_id, m.rejected_person_ids,
                m.not_a_face FROM face_memory m LEFT JOIN people p ON p.id = m.person_id AND p.merged_into IS NULL WHERE m.hash = ?`,
            )
            .all(hash)
    ) as {
      idx: number;
      person_id: string | null;
      pinned_person_id: string | null;
      rejected_person_ids: string;
      not_a_face: number;
    }[];
    return new Map(rows.map((r) => [r.idx, r]));
  }

  /**
   * The clusterable flag is stored per face for the clusterer; when the rule's settings change
   * (CLUSTERABLE_* variables), every flag is recomputed once and the next clustering sees it.
   */
  refreshClusterable(ruleKey: string, clusterable: (face: StoredFace) => boolean): number {
    if (this.meta.get('clusterable_rule') === ruleKey) return 0;
    return this.db.transaction(() => {
      const update = this.db.prepare('UPDATE faces SET clusterable = ? WHERE id = ?');
      let changed = 0;
      for (const row of this.db.prepare(`SELECT ${FACE_COLUMNS} FROM ${FACE_JOIN}`).all() as FaceRow[]) {
        const flag = clusterable(toFaceRecord(row)) ? 1 : 0;
        if (flag !== row.clusterable) changed += update.run(flag, row.id).changes;
      }
      this.meta.set('clusterable_rule', ruleKey);
      if (changed) this.bumpGeneration();
      return changed;
    })();
  }

  /**
   * Changes whenever anything was written: by this connection (total_changes, counting trigger writes
   * and uncommitted ones it can already read) or committed by another (data_version).
   *
   * Asked on every read (the read memos' key), so it must cost far less than the read it saves.
   * total_changes() reads no table and opens no transaction (~0.3 µs). data_version does (~7 µs, two
   * lock calls and a stat: most of a kept read), so it is asked once per event-loop turn: a commit by
   * another process (a `status` migrating, a test's second connection) is seen from the next turn on.
   * Requests that arrived in the same turn as that commit raced it anyway; this connection's own
   * writes are always seen at once.
   */
  dataVersion(): string {
    this.ownChanges ??= this.db.prepare('SELECT total_changes()').pluck();
    this.othersQuery ??= this.db.prepare('PRAGMA data_version').pluck();
    if (this.othersVersion === null) {
      this.othersVersion = this.othersQuery.get() as number;
      setImmediate(() => {
        this.othersVersion = null;
      });
    }
    return `${this.ownChanges.get() as number}:${this.othersVersion}`;
  }
  private ownChanges: import('better-sqlite3').Statement | null = null;
  private othersQuery: import('better-sqlite3').Statement | null = null;
  private othersVersion: number | null = null;

  /** Commits writes waiting in the group-commit window now: another connection (the clustering thread) reads next. */
  commitPending(): void {
    this.writes.flush();
  }

  /** Bumped on every change to the set of faces; clustering is skipped when nothing moved since the last run. */
  generation(): number {
    return Number(this.meta.get('generation') ?? 0);
  }

  /** Also by a hand edit that takes faces out of clustering or gives them back ("not a face"): the next pass runs. */
  bumpGeneration(): void {
    this.meta.increment('generation');
  }
}

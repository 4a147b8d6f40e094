import { VIDEO_SUFFIXES } from '../../album/photo-filter';
import { coverRankSql } from './cover-rank';
import type { Db } from './database';
import { hasColumn } from './table-columns';

/** Whether the path column `col` names a video (by suffix, as the album's key filter decides). */
const isVideoPath = (col: string) =>
  `(${VIDEO_SUFFIXES.map((s) => `lower(${col}) GLOB '*.${s}'`).join(' OR ')})`;

/**
 * What every people read would otherwise aggregate over all faces, stored on the person row and kept
 * right on write: counts, gender and age figures, and the cover face. This file is the one place that
 * knows how: SQLite triggers on `faces` update the person in the same statement (so in the same
 * transaction) as any insert, delete or move of a face, whoever writes it (indexer, clusterer, merge,
 * "not this person"). Counts change by ±1; the cover and age bounds are re-read by index seeks
 * (faces_person_cover_rank, faces_person_age), so one write costs O(log faces of the person), never O(album).
 *
 * `rebuildPersonStats` recomputes the same figures from scratch: used once when an older data dir is
 * opened, and by tests to check that the triggers agree with a full recount.
 */

/** Columns on `faces` copied from its analysis so the triggers and indexes need no join. */
export const FACE_STAT_COLUMNS = [
  'quality REAL',
  'age REAL',
  'gender TEXT',
  'cover_rank REAL',
  // 1 for a face seen in a video: the person's videos and images are counted apart.
  'video INTEGER NOT NULL DEFAULT 0',
] as const;

/** Stored figures on `people`; every read of a person takes them from here. */
export const PERSON_STAT_COLUMNS = [
  'face_count INTEGER NOT NULL DEFAULT 0',
  'image_count INTEGER NOT NULL DEFAULT 0',
  'video_count INTEGER NOT NULL DEFAULT 0',
  'males INTEGER NOT NULL DEFAULT 0',
  'females INTEGER NOT NULL DEFAULT 0',
  'age_n INTEGER NOT NULL DEFAULT 0',
  'age_sum REAL NOT NULL DEFAULT 0',
  'age_min REAL',
  'age_max REAL',
  'cover_face_id INTEGER',
] as const;

/**
 * The best clusterable face, else the best face at all, "best" by cover rank (cover-rank.ts: sharp,
 * frontal, eyes open, smiling); ties go to the oldest face.
 */
const COVER_ORDER = 'clusterable DESC, cover_rank DESC, id';

/** Cover and age bounds of person `p`, by index seeks. */
const seekFigures = (p: string) => `
  age_min = (SELECT MIN(age) FROM faces WHERE person_id = ${p}),
  age_max = (SELECT MAX(age) FROM faces WHERE person_id = ${p}),
  cover_face_id = (SELECT id FROM faces WHERE person_id = ${p} ORDER BY ${COVER_ORDER} LIMIT 1)`;

/** Adds (+1) or removes (-1) face `f` (NEW or OLD) to/from its person `f.person_id`. */
const change = (f: 'NEW' | 'OLD', sign: 1 | -1) => {
  const op = sign > 0 ? '+' : '-';
  // Another face of the same photo in the same person: the photo was (and stays) counted once.
  const otherFaceOfPhoto = `EXISTS (SELECT 1 FROM faces WHERE person_id = ${f}.person_id AND photo_id = ${f}.photo_id AND id <> ${f}.id)`;
  return `UPDATE people SET
    face_count = face_count ${op} 1,
    image_count = image_count ${op} (NOT ${otherFaceOfPhoto} AND ${f}.video = 0),
    video_count = video_count ${op} (NOT ${otherFaceOfPhoto} AND ${f}.video = 1),
    males = males ${op} (${f}.gender IS 'male'),
    females = females ${op} (${f}.gender IS 'female'),
    age_n = age_n ${op} (${f}.age IS NOT NULL),
    age_sum = age_sum ${op} COALESCE(${f}.age, 0),
    ${seekFigures(`${f}.person_id`)}
  WHERE id = ${f}.person_id;`;
};

export const PERSON_STATS_SQL = `
CREATE INDEX IF NOT EXISTS faces_person_photo ON faces(person_id, photo_id);
CREATE INDEX IF NOT EXISTS faces_person_cover_rank ON faces(person_id, clusterable DESC, cover_rank DESC, id);
CREATE INDEX IF NOT EXISTS faces_person_age ON faces(person_id, age);
-- A person's videos (or images) alone: GET /people/:id/photos?mediaType=.
CREATE INDEX IF NOT EXISTS faces_person_video_photo ON faces(person_id, video, photo_id);
CREATE TRIGGER IF NOT EXISTS faces_stats_insert AFTER INSERT ON faces WHEN NEW.person_id IS NOT NULL BEGIN
  ${change('NEW', 1)}
END;
CREATE TRIGGER IF NOT EXISTS faces_stats_delete AFTER DELETE ON faces WHEN OLD.person_id IS NOT NULL BEGIN
  ${change('OLD', -1)}
END;
CREATE TRIGGER IF NOT EXISTS faces_stats_move AFTER UPDATE OF person_id ON faces
  WHEN OLD.person_id IS NOT NEW.person_id BEGIN
  ${change('OLD', -1)}
  ${change('NEW', 1)}
END;
CREATE TRIGGER IF NOT EXISTS faces_stats_rank AFTER UPDATE OF clusterable, quality, age, cover_rank ON faces
  WHEN NEW.person_id IS NOT NULL AND OLD.person_id IS NEW.person_id BEGIN
  UPDATE people SET ${seekFigures('NEW.person_id')} WHERE id = NEW.person_id;
END;
`;

/** Album-wide counts for /stats, kept by triggers so the stats route reads a few rows. */
export const ALBUM_COUNTS_SQL = `
CREATE TABLE IF NOT EXISTS album_counts (name TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS photos_count_insert AFTER INSERT ON photos BEGIN
  UPDATE album_counts SET n = n + 1 WHERE name = 'photos'; END;
CREATE TRIGGER IF NOT EXISTS photos_count_delete AFTER DELETE ON photos BEGIN
  UPDATE album_counts SET n = n - 1 WHERE name = 'photos'; END;
CREATE TRIGGER IF NOT EXISTS videos_count_insert AFTER INSERT ON photos WHEN NEW.media_type = 'video' BEGIN
  UPDATE album_counts SET n = n + 1 WHERE name = 'videos'; END;
CREATE TRIGGER IF NOT EXISTS videos_count_delete AFTER DELETE ON photos WHEN OLD.media_type = 'video' BEGIN
  UPDATE album_counts SET n = n - 1 WHERE name = 'videos'; END;
CREATE TRIGGER IF NOT EXISTS rejected_videos_insert AFTER INSERT ON rejected_files WHEN ${isVideoPath('NEW.path')} BEGIN
  UPDATE album_counts SET n = n + 1 WHERE name = 'rejected_videos'; END;
CREATE TRIGGER IF NOT EXISTS rejected_videos_delete AFTER DELETE ON rejected_files WHEN ${isVideoPath('OLD.path')} BEGIN
  UPDATE album_counts SET n = n - 1 WHERE name = 'rejected_videos'; END;
CREATE TRIGGER IF NOT EXISTS faces_count_insert AFTER INSERT ON faces WHEN NEW.not_a_face = 0 BEGIN
  UPDATE album_counts SET n = n + 1 WHERE name = 'faces'; END;
CREATE TRIGGER IF NOT EXISTS faces_count_delete AFTER DELETE ON faces WHEN OLD.not_a_face = 0 BEGIN
  UPDATE album_counts SET n = n - 1 WHERE name = 'faces'; END;
CREATE TRIGGER IF NOT EXISTS faces_count_not_a_face AFTER UPDATE OF not_a_face ON faces
  WHEN OLD.not_a_face IS NOT NEW.not_a_face BEGIN
  UPDATE album_counts SET n = n + (CASE WHEN NEW.not_a_face = 1 THEN -1 ELSE 1 END) WHERE name = 'faces'; END;
CREATE TRIGGER IF NOT EXISTS rejected_count_insert AFTER INSERT ON rejected_files BEGIN
  UPDATE album_counts SET n = n + 1 WHERE name = 'rejected'; END;
CREATE TRIGGER IF NOT EXISTS rejected_count_delete AFTER DELETE ON rejected_files BEGIN
  UPDATE album_counts SET n = n - 1 WHERE name = 'rejected'; END;
CREATE TRIGGER IF NOT EXISTS people_count_update AFTER UPDATE OF face_count, merged_into ON people
  WHEN (OLD.merged_into IS NULL AND OLD.face_count > 0) IS NOT (NEW.merged_into IS NULL AND NEW.face_count > 0) BEGIN
  UPDATE album_counts SET n = n + (CASE WHEN NEW.merged_into IS NULL AND NEW.face_count > 0 THEN 1 ELSE -1 END)
    WHERE name = 'people'; END;
CREATE TRIGGER IF NOT EXISTS people_count_delete AFTER DELETE ON people
  WHEN OLD.merged_into IS NULL AND OLD.face_count > 0 BEGIN
  UPDATE album_counts SET n = n - 1 WHERE name = 'people'; END;
`;

/**
 * Every album count the triggers above keep, with the query that recounts it from the tables. A count
 * row is created (by that recount) whenever it is missing, whatever else the data dir holds: a data dir
 * from before a count existed gets it on open, and no reader ever meets a missing row.
 */
const ALBUM_COUNTERS: Record<string, string> = {
  photos: 'SELECT COUNT(*) FROM photos',
  videos: `SELECT COUNT(*) FROM photos WHERE media_type = 'video'`,
  faces: 'SELECT COUNT(*) FROM faces WHERE not_a_face = 0',
  rejected: 'SELECT COUNT(*) FROM rejected_files',
  rejected_videos: `SELECT COUNT(*) FROM rejected_files WHERE ${isVideoPath('path')}`,
  people: `SELECT COUNT(*) FROM people WHERE merged_into IS NULL AND face_count > 0`,
};

/** Recounts every album count (`all`) or only those without a row; O(album) per recounted count. */
function recountAlbumCounts(db: Db, which: 'all' | 'missing'): void {
  for (const [name, sql] of Object.entries(ALBUM_COUNTERS))
    db.prepare(
      `INSERT INTO album_counts (name, n) SELECT ?, (${sql}) WHERE ? OR NOT EXISTS (SELECT 1 FROM album_counts WHERE name = ?)
        ON CONFLICT(name) DO UPDATE SET n = excluded.n`,
    ).run(name, which === 'all' ? 1 : 0, name);
}

/** A person is listed (and counted) when it is not merged away and has at least one face. */
export const LISTED_PERSON = 'merged_into IS NULL AND face_count > 0';
/** LISTED_PERSON with its columns qualified by `table` (the partial indexes match it either way). */
export const listedPerson = (table: string) => `${table}.merged_into IS NULL AND ${table}.face_count > 0`;

/**
 * Recomputes the stored figures from the faces: of the given persons, or of everyone (and the album
 * counts) when `ids` is omitted. O(faces of those persons).
 */
export function rebuildPersonStats(db: Db, ids?: Iterable<string>): void {
  const recount = db.prepare(`UPDATE people SET
    face_count = (SELECT COUNT(*) FROM faces WHERE person_id = people.id),
    image_count = (SELECT COUNT(DISTINCT photo_id) FROM faces WHERE person_id = people.id AND video = 0),
    video_count = (SELECT COUNT(DISTINCT photo_id) FROM faces WHERE person_id = people.id AND video = 1),
    males = (SELECT COUNT(*) FROM faces WHERE person_id = people.id AND gender = 'male'),
    females = (SELECT COUNT(*) FROM faces WHERE person_id = people.id AND gender = 'female'),
    age_n = (SELECT COUNT(age) FROM faces WHERE person_id = people.id),
    age_sum = (SELECT COALESCE(SUM(age), 0) FROM faces WHERE person_id = people.id),
    ${seekFigures('people.id')}
    WHERE ${ids ? 'id = ?' : '1'}`);
  db.transaction(() => {
    if (ids) for (const id of ids) recount.run(id);
    else {
      recount.run();
      recountAlbumCounts(db, 'all');
    }
  })();
}

/** The stored figures of one person, as the triggers keep them (tests compare them with a rebuild). */
export function storedPersonStats(db: Db, id: string): Record<string, unknown> | undefined {
  return db
    .prepare(
      `SELECT face_count, image_count, video_count, males, females, age_n, age_sum, age_min, age_max, cover_face_id FROM people WHERE id = ?`,
    )
    .get(id) as Record<string, unknown> | undefined;
}

/**
 * Adds the stat columns, indexes, triggers and album counts; on a data dir made before they existed
 * (or before a change to what they count) fills them once. Runs on every open; after the first it only
 * checks. A new data dir gets its counts (all 0) the same way: the count rows never depend on a fill.
 */
export function migratePersonStats(db: Db): void {
  const has = (table: string, column: string) => hasColumn(db, table, column);
  db.transaction(() => {
    // The figures were never stored: a data dir from before them (the counts table comes with them).
    const neverFilled =
      db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'album_counts'`).get() === undefined;
    // Data dirs from before the cover preference: their triggers and cover index rank by quality alone.
    const rankedByQuality = !has('faces', 'cover_rank') && has('faces', 'quality');
    // Data dirs from before videos: their photos are images and their triggers count every photo as one.
    const beforeVideos = !has('people', 'video_count') && has('people', 'image_count');
    if (!has('photos', 'media_type'))
      db.exec(`ALTER TABLE photos ADD COLUMN media_type TEXT NOT NULL DEFAULT 'image'`);
    // CREATE TRIGGER IF NOT EXISTS would keep the old ones.
    if (rankedByQuality || beforeVideos)
      db.exec(`DROP TRIGGER IF EXISTS faces_stats_insert; DROP TRIGGER IF EXISTS faces_stats_delete;
        DROP TRIGGER IF EXISTS faces_stats_move; DROP TRIGGER IF EXISTS faces_stats_rank;
        DROP INDEX IF EXISTS faces_person_cover;`);
    for (const col of FACE_STAT_COLUMNS)
      if (!has('faces', col.split(' ')[0]!)) db.exec(`ALTER TABLE faces ADD COLUMN ${col}`);
    for (const col of PERSON_STAT_COLUMNS)
      if (!has('people', col.split(' ')[0]!)) db.exec(`ALTER TABLE people ADD COLUMN ${col}`);
    db.exec(ALBUM_COUNTS_SQL);
    db.exec(PERSON_STATS_SQL);
    if (neverFilled || rankedByQuality || beforeVideos) {
      db.exec(`UPDATE faces SET (quality, age, gender, cover_rank) = (SELECT a.quality, a.age, a.gender, ${coverRankSql('a')}
        FROM photos p JOIN analysis_faces a ON a.hash = p.hash AND a.idx = faces.idx WHERE p.id = faces.photo_id)`);
      db.exec(
        `UPDATE faces SET video = COALESCE((SELECT media_type = 'video' FROM photos WHERE id = faces.photo_id), 0)`,
      );
      rebuildPersonStats(db);
    } else recountAlbumCounts(db, 'missing');
  })();
}

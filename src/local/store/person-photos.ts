import { AlbumError } from '../../album/errors';
import { type AttributeFilter, type FaceAttributes, matchesAttributes } from '../../album/face-attributes';
import type { MediaType, TakenRange } from '../../album/types';
import type { Db } from './database';
import { hasColumn } from './table-columns';

/**
 * Which photos each person is in, in taken order: one row per (person, photo), kept by triggers on
 * `faces` in the same statement as any face insert, delete or move (indexer, clusterer, merge, edits).
 * `taken_key` is the photo's taken date ('' when it has none, so undated photos come last, newest
 * first); `attributes` are the person's face attributes on that photo (for ?emotion=… filters); `video`
 * is 1 for a video (a video is one row, however many of its faces are the person's).
 *
 * Reads walk the (person_id, taken_key, photo_id) index from a keyset position, so a page costs index
 * reads whatever the album's size; several people are intersected by leapfrogging their lists (each
 * step seeks one list to the others' candidate, answered from the chunk last read from that list while
 * it covers it), and a page stops after MAX_READS_PER_PAGE reads with a cursor to go on.
 */
const PERSON_PHOTOS_TABLE = `
CREATE TABLE IF NOT EXISTS person_photos (
  person_id TEXT NOT NULL,
  photo_id INTEGER NOT NULL,
  taken_key TEXT NOT NULL,
  attributes TEXT,
  video INTEGER NOT NULL DEFAULT 0,
  shared INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (person_id, photo_id)
) WITHOUT ROWID;`;

/**
 * `shared` is 1 on the rows of a photo that holds two people or more: only those can be in the answer to
 * "photos of A and B", so several people are intersected on the partial index of shared rows (in an album
 * where most photos show one person, a fraction of each list). Kept by the same triggers, per photo.
 * ?mediaType= seeks the `_media` twins of the two lists, which lead with `video`.
 */
const PERSON_PHOTOS_INDEXES = `
CREATE INDEX IF NOT EXISTS person_photos_taken ON person_photos(person_id, taken_key, photo_id);
CREATE INDEX IF NOT EXISTS person_photos_photo ON person_photos(photo_id);
CREATE INDEX IF NOT EXISTS person_photos_shared ON person_photos(person_id, taken_key, photo_id) WHERE shared = 1;
CREATE INDEX IF NOT EXISTS person_photos_media ON person_photos(person_id, video, taken_key, photo_id);
CREATE INDEX IF NOT EXISTS person_photos_shared_media ON person_photos(person_id, video, taken_key, photo_id) WHERE shared = 1;`;

const PERSON_PHOTOS_TRIGGERS = `
DROP TRIGGER IF EXISTS faces_person_photos_insert;
DROP TRIGGER IF EXISTS faces_person_photos_delete;
DROP TRIGGER IF EXISTS faces_person_photos_move;
CREATE TRIGGER IF NOT EXISTS faces_person_photos_insert AFTER INSERT ON faces WHEN NEW.person_id IS NOT NULL BEGIN
  ${link('NEW')}
END;
CREATE TRIGGER IF NOT EXISTS faces_person_photos_delete AFTER DELETE ON faces WHEN OLD.person_id IS NOT NULL BEGIN
  ${unlink('OLD')}
END;
CREATE TRIGGER IF NOT EXISTS faces_person_photos_move AFTER UPDATE OF person_id ON faces
  WHEN OLD.person_id IS NOT NEW.person_id BEGIN
  ${unlink('OLD')}
  ${link('NEW')}
END;
`;

export const PERSON_PHOTOS_SQL = `${PERSON_PHOTOS_TABLE}${PERSON_PHOTOS_INDEXES}${PERSON_PHOTOS_TRIGGERS}`;

function refreshShared(f: 'NEW' | 'OLD'): string {
  return `UPDATE person_photos SET shared = ((SELECT count(*) FROM person_photos WHERE photo_id = ${f}.photo_id) >= 2)
    WHERE photo_id = ${f}.photo_id;`;
}

/** The attributes a row keeps: those of the person's face with the lowest index on the photo. */
function refreshAttributes(f: 'NEW' | 'OLD'): string {
  return `UPDATE person_photos SET attributes = (SELECT af.attributes FROM faces x JOIN photos p ON p.id = x.photo_id
      JOIN analysis_faces af ON af.hash = p.hash AND af.idx = x.idx
      WHERE x.person_id = ${f}.person_id AND x.photo_id = ${f}.photo_id ORDER BY x.idx LIMIT 1)
    WHERE person_id = ${f}.person_id AND photo_id = ${f}.photo_id;`;
}

function link(f: 'NEW' | 'OLD'): string {
  return `INSERT OR IGNORE INTO person_photos (person_id, photo_id, taken_key, attributes, video)
    SELECT ${f}.person_id, p.id, COALESCE(a.taken_at, ''), af.attributes, p.media_type = 'video' FROM photos p
    JOIN analyses a ON a.hash = p.hash LEFT JOIN analysis_faces af ON af.hash = p.hash AND af.idx = ${f}.idx
    WHERE p.id = ${f}.photo_id AND ${f}.person_id IS NOT NULL;
  ${refreshAttributes(f)}
  ${refreshShared(f)}`;
}

function unlink(f: 'NEW' | 'OLD'): string {
  return `DELETE FROM person_photos WHERE person_id = ${f}.person_id AND photo_id = ${f}.photo_id
    AND NOT EXISTS (SELECT 1 FROM faces WHERE person_id = ${f}.person_id AND photo_id = ${f}.photo_id);
  ${refreshAttributes(f)}
  ${refreshShared(f)}`;
}

/**
 * Creates the table, indexes and triggers (triggers replaced, so an older data dir gets the current ones);
 * fills the table once from the faces of a data dir made before it existed; a table made before the
 * `video` or `shared` column gets it, computed once from the photos or the rows.
 */
export function migratePersonPhotos(db: Db): void {
  const existed = db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'person_photos'`).get() !== undefined;
  const has = (column: string) => existed && hasColumn(db, 'person_photos', column);
  const hasVideo = has('video');
  const hasShared = has('shared');
  db.transaction(() => {
    db.exec(PERSON_PHOTOS_TABLE);
    if (existed && !hasVideo)
      db.exec(`ALTER TABLE person_photos ADD COLUMN video INTEGER NOT NULL DEFAULT 0;
        UPDATE person_photos SET video = 1 WHERE photo_id IN (SELECT id FROM photos WHERE media_type = 'video');`);
    if (existed && !hasShared)
      db.exec('ALTER TABLE person_photos ADD COLUMN shared INTEGER NOT NULL DEFAULT 0');
    db.exec(PERSON_PHOTOS_INDEXES);
    db.exec(PERSON_PHOTOS_TRIGGERS);
    if (!existed) rebuildPersonPhotos(db);
    else if (!hasShared) db.exec(SHARED_FROM_ROWS);
  })();
}

const SHARED_FROM_ROWS = `UPDATE person_photos SET shared =
  ((SELECT count(*) FROM person_photos o WHERE o.photo_id = person_photos.photo_id) >= 2)`;

/** Recomputes every row from the faces (O(faces)): migration, `reanalyse`, and tests comparing with the triggers. */
export function rebuildPersonPhotos(db: Db): void {
  db.exec(`DELETE FROM person_photos;
    INSERT OR IGNORE INTO person_photos (person_id, photo_id, taken_key, attributes, video)
    SELECT f.person_id, p.id, COALESCE(a.taken_at, ''), af.attributes, p.media_type = 'video' FROM faces f JOIN photos p ON p.id = f.photo_id
    JOIN analyses a ON a.hash = p.hash LEFT JOIN analysis_faces af ON af.hash = p.hash AND af.idx = f.idx
    WHERE f.person_id IS NOT NULL ORDER BY f.photo_id, f.idx;
    ${SHARED_FROM_ROWS}`);
}

/** A position in newest-first order: the taken key and photo id of the last photo of a page. */
interface Position {
  key: string;
  id: number;
}

/** Past every real key ('' < dates < this). */
const TOP: Position = { key: '\uffff', id: Number.MAX_SAFE_INTEGER };
/** Lower bound on taken_key that leaves undated photos ('') out: ISO dates start with a digit. */
const DATED = '0';
/**
 * Rows a filtered page may examine before it answers with what it found and a cursor to go on: a filter
 * that matches rarely then costs a bounded amount per request, not the person's whole list.
 */
export const MAX_EXAMINED_PER_PAGE = 2000;
/**
 * Index reads (each at most READ_CHUNK rows) a page may make before it answers with what it found and a
 * cursor to go on. Two large people who are rarely together interleave in thousands of runs (bench:api's
 * top three people: 3,700 one-row seeks for 11 shared photos in the whole album); without a bound one
 * request walked the lists to the end. 50 reads of ≤ 128 covering-index rows (6,400 rows, ~1 µs a row):
 * a few ms of SQLite per page whatever the album's size.
 */
export const MAX_READS_PER_PAGE = 50;
/** Rows per read of a person's list: neighbouring seeks are then answered from memory. */
export const READ_CHUNK = 128;

export function encodeTakenCursor(p: Position): string {
  return Buffer.from(JSON.stringify([p.key, p.id])).toString('base64url');
}

function decodeTakenCursor(cursor: string | undefined): Position | null {
  if (!cursor) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      v[0].length <= 64 &&
      Number.isSafeInteger(v[1]) &&
      v[1] >= 0
    )
      return { key: v[0], id: v[1] };
  } catch {
    // falls through to the error below
  }
  throw new AlbumError('bad_request', 'invalid cursor');
}

export interface TakenPageQuery extends TakenRange {
  limit: number;
  cursor?: string | undefined;
  /** One person only: the person's face on the photo must match these. */
  attributes?: AttributeFilter | undefined;
  /** Only photos or only videos. */
  mediaType?: MediaType | undefined;
}

/** Which part of a person's list a page reads: the shared rows (several people), one media type. */
interface ListScope {
  shared: boolean;
  media: MediaType | undefined;
}

/** Reads of person_photos: one person's photos or several people's shared photos, newest first. */
export class PersonPhotos {
  constructor(
    private readonly db: Db,
    /** Tests lower these to reach the bound with a small album. */
    private readonly bounds = { readsPerPage: MAX_READS_PER_PAGE, chunk: READ_CHUNK },
  ) {}

  /** Reads made by the current page (bounded by bounds.readsPerPage). */
  private reads = 0;

  /**
   * `count` rows of `person`'s list from `at` down, above `low`, newest first; `shared`: only the photos
   * holding two people or more (the partial indexes); `media`: one media type (the `_media` indexes).
   * Covering-index only.
   */
  private read(person: string, at: Position, low: string, count: number, scope: ListScope): Position[] {
    this.reads++;
    const index = scope.shared
      ? `INDEXED BY person_photos_shared${scope.media ? '_media' : ''}`
      : scope.media
        ? 'INDEXED BY person_photos_media'
        : '';
    const args = scope.media ? [person, scope.media === 'video' ? 1 : 0] : [person];
    return (
      this.db
        .prepare(
          `SELECT taken_key, photo_id FROM person_photos ${index} WHERE person_id = ?${scope.media ? ' AND video = ?' : ''}
          AND (taken_key, photo_id) <= (?, ?) AND taken_key >= ?${scope.shared ? ' AND shared = 1' : ''}
          ORDER BY taken_key DESC, photo_id DESC LIMIT ?`,
        )
        .raw()
        .all(...args, at.key, at.id, low, count) as [string, number][]
    ).map(([key, id]) => ({ key, id }));
  }

  /** One list's cursor for a page: seeks answer from the last chunk read while it covers them. */
  private list(person: string, low: string, scope: ListScope): (at: Position) => Position | null {
    let rows: Position[] = [];
    /** rows are every entry of the list in [last row, from] (or down to the end when `complete`). */
    let from: Position | null = null;
    let complete = false;
    return (at) => {
      if (from && !after(at, from)) {
        // The first row at or before `at` (rows are newest first).
        let lo = 0;
        let hi = rows.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (after(rows[mid]!, at)) lo = mid + 1;
          else hi = mid;
        }
        if (lo < rows.length) return rows[lo]!;
        if (complete) return null;
      }
      rows = this.read(person, at, low, this.bounds.chunk, scope);
      from = at;
      complete = rows.length < this.bounds.chunk;
      return rows[0] ?? null;
    };
  }

  /** The person's face attributes on the photo (read only when a page filters on them). */
  private attributesOf(person: string, photoId: number): FaceAttributes {
    const r = this.db
      .prepare('SELECT attributes FROM person_photos WHERE person_id = ? AND photo_id = ?')
      .get(person, photoId) as { attributes: string | null } | undefined;
    return parseAttributes(r?.attributes ?? null);
  }

  /**
   * Photo ids of one page of photos holding every one of `people` (ids as stored, resolved by the caller;
   * the smallest list first makes the fewest reads), and the next page's cursor.
   */
  page(people: string[], q: TakenPageQuery): { ids: number[]; nextCursor: string | null } {
    const high = decodeTakenCursor(q.cursor);
    let at: Position = high ? step(high) : q.to ? { key: q.to, id: Number.MAX_SAFE_INTEGER } : TOP;
    const low = q.from ?? (q.to ? DATED : '');
    const ids: number[] = [];
    let examined = 0;
    this.reads = 0;
    const scope = { shared: people.length > 1, media: q.mediaType };
    const lists = people.map((p) => this.list(p, low, scope));
    while (ids.length < q.limit) {
      const found = this.intersect(lists, at);
      if (found && 'resume' in found) return { ids, nextCursor: encodeTakenCursor(back(found.resume)) };
      if (!found) return { ids, nextCursor: null };
      at = step(found);
      examined++;
      if (q.attributes && !matchesAttributes(this.attributesOf(people[0]!, found.id), q.attributes)) {
        if (examined >= MAX_EXAMINED_PER_PAGE) break;
        continue;
      }
      ids.push(found.id);
    }
    // The page is full (or a budget spent): a next page exists if anything lies below. A budget spent
    // on that look-ahead answers with a cursor; the next page finds out (perhaps empty, never wrong).
    const more = this.intersect(lists, at) !== null;
    return { ids, nextCursor: more ? encodeTakenCursor(back(at)) : null };
  }

  /**
   * Leapfrog: the newest position at or before `at` present in every list. The candidate only moves
   * down; it is common once `people.length` seeks in a row (one per list) returned it unchanged.
   * When the page's reads run out first, `resume` is where to go on from: no list has a common entry
   * between `at` and it (each move of the candidate skipped a range one list has nothing in).
   */
  private intersect(
    lists: ((at: Position) => Position | null)[],
    at: Position,
  ): Position | null | { resume: Position } {
    let candidate = lists[0]!(at);
    if (!candidate) return null;
    let agreed = 1;
    for (let i = 1 % lists.length; agreed < lists.length; i = (i + 1) % lists.length) {
      if (this.reads >= this.bounds.readsPerPage) return { resume: candidate };
      const r = lists[i]!(candidate);
      if (!r) return null;
      if (r.key === candidate.key && r.id === candidate.id) agreed++;
      else {
        candidate = r;
        agreed = 1;
      }
    }
    return candidate;
  }

  /** Ids of a person's rows, for tests comparing the triggers with a rebuild. */
  rows(person: string): { photoId: number; takenKey: string }[] {
    return (
      this.db
        .prepare('SELECT photo_id, taken_key FROM person_photos WHERE person_id = ? ORDER BY photo_id')
        .all(person) as { photo_id: number; taken_key: string }[]
    ).map((r) => ({ photoId: r.photo_id, takenKey: r.taken_key }));
  }
}

/** Whether `a` comes before `b` in newest-first order (is newer). */
const after = (a: Position, b: Position): boolean => a.key > b.key || (a.key === b.key && a.id > b.id);
/** Just after `p` in newest-first order (inclusive seeks from here skip p). */
const step = (p: Position): Position => ({ key: p.key, id: p.id - 1 });
const back = (p: Position): Position => ({ key: p.key, id: p.id + 1 });

function parseAttributes(text: string | null): FaceAttributes {
  return text ? (JSON.parse(text) as FaceAttributes) : {};
}

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrateFaceAttributes } from './face-attributes-column';
import { PEOPLE_LIST_INDEXES } from './people-list';
import { migratePeopleNames } from './people-names';
import { migratePersonPhotos } from './person-photos';
import { migratePersonStats } from './person-stats';
import { migrateSecondVector } from './second-vector-column';
import { migrateNotAFace, UNKNOWN_FACES_SQL } from './unknown-faces-schema';
import { migrateVideoColumns } from './video-columns';

export type Db = Database.Database;

/**
 * The local album's state. `analyses` is keyed by content hash so a copied or moved photo reuses
 * its analysis; `photos` is keyed by path; `faces` ties one detected face of a photo to a person.
 * Face attributes live once per analysis (joined on hash + idx), user edits live on people/faces.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS analyses (
  hash TEXT PRIMARY KEY,
  width INTEGER, height INTEGER, taken_at TEXT,
  rejected_reason TEXT, rejected_message TEXT,
  created_at TEXT NOT NULL
);
-- Video columns (media_type, duration_seconds; a face's time_seconds, track, spans) are added by
-- migrateVideoColumns, so data dirs from before videos get them too.
CREATE TABLE IF NOT EXISTS analysis_faces (
  hash TEXT NOT NULL REFERENCES analyses(hash) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  box_left REAL NOT NULL, box_top REAL NOT NULL, box_width REAL NOT NULL, box_height REAL NOT NULL,
  confidence REAL, age REAL, gender TEXT, yaw REAL, pitch REAL, roll REAL, quality REAL, sharpness REAL,
  embedding BLOB NOT NULL,
  PRIMARY KEY (hash, idx)
);
-- AUTOINCREMENT: ids are never reused, so a face id always means the same face (the clusterer keeps ids across runs).
CREATE TABLE IF NOT EXISTS photos (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  path TEXT NOT NULL UNIQUE,
  hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  indexed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS photos_hash ON photos(hash);
CREATE TABLE IF NOT EXISTS faces (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  clusterable INTEGER NOT NULL,
  person_id TEXT,
  pinned_person_id TEXT,
  rejected_person_ids TEXT NOT NULL DEFAULT '[]',
  -- "Not a face" (a dog, a pattern): kept out of clustering, people, counts and the unknown faces.
  not_a_face INTEGER NOT NULL DEFAULT 0,
  UNIQUE (photo_id, idx)
);
CREATE TABLE IF NOT EXISTS people (
  id TEXT PRIMARY KEY,
  name TEXT,
  hidden INTEGER NOT NULL DEFAULT 0,
  labels TEXT NOT NULL DEFAULT '{}',
  merged_into TEXT,
  edited INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  code TEXT, message TEXT,
  started_at TEXT, ended_at TEXT,
  details TEXT
);
CREATE INDEX IF NOT EXISTS tasks_type_started ON tasks(type, started_at);
-- Files that will not index (bad image, symlink leaving the folder...): not retried until size or mtime change.
CREATE TABLE IF NOT EXISTS rejected_files (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  reason TEXT NOT NULL,
  message TEXT NOT NULL,
  rejected_at TEXT NOT NULL
);
-- Who a removed photo's faces were and what the user said about them, by content: a moved (or
-- re-added) photo gets its faces' person and edits back instead of starting over.
CREATE TABLE IF NOT EXISTS face_memory (
  hash TEXT NOT NULL,
  idx INTEGER NOT NULL,
  person_id TEXT,
  pinned_person_id TEXT,
  rejected_person_ids TEXT NOT NULL DEFAULT '[]',
  not_a_face INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (hash, idx)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** The page cache of each album connection (KiB). */
const PAGE_CACHE_KIB = 64 * 1024;

export function openDatabase(file: string): Db {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // A `status` or `export` may read while `start` writes.
  db.pragma('busy_timeout = 5000');
  // Reads seek into tables far larger than SQLite's default 2 MiB page cache (at 100k faces the covers of
  // a people page land on ~150 random pages of faces, photos and analyses): each miss is a read from the
  // OS. 64 MiB keeps a library's hot pages; the cache only grows to what is read, so a small album stays small.
  db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
  db.exec(SCHEMA);
  migrateVideoColumns(db);
  // faces_person(person_id) is covered by faces_person_photo(person_id, photo_id).
  db.exec('DROP INDEX IF EXISTS faces_person');
  // Attributes first: the cover rank the person figures are ordered by reads them.
  migrateFaceAttributes(db);
  migrateSecondVector(db);
  migrateNotAFace(db);
  migratePersonStats(db);
  migratePersonPhotos(db);
  migratePeopleNames(db);
  db.exec(UNKNOWN_FACES_SQL);
  db.exec(PEOPLE_LIST_INDEXES);
  cacheStatements(db);
  // Whatever waits in the group-commit window is committed, not rolled back, when the database closes.
  const close = db.close.bind(db);
  db.close = () => {
    groupCommits.get(db)?.flush();
    return close();
  };
  return db;
}

// Per-connection state kept beside the connection (a WeakMap, so it goes with the connection).
const groupCommits = new WeakMap<Db, GroupCommit>();

/** The one group commit of a connection (see GroupCommit). */
export function groupCommitOf(db: Db): GroupCommit {
  let group = groupCommits.get(db);
  if (!group) {
    group = new GroupCommit(db);
    groupCommits.set(db, group);
  }
  return group;
}

/** Distinct SQL texts the stores prepare are a few dozen; the cap only guards against a runaway caller. */
const STATEMENT_CACHE_LIMIT = 1000;

/**
 * Compiling a statement costs more than running an indexed one, so `prepare` returns the compiled
 * statement for SQL it has seen (the stores build their SQL from fixed fragments). Statements are only
 * run to completion (`all`/`get`/`run`, or an `iterate` consumed before the same SQL runs again).
 */
function cacheStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear();
      stmt = prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  }) as Db['prepare'];
}

/**
 * Group commit for indexing writes. A commit in WAL mode writes every page the transaction touched
 * (photo, face, person row and their indexes): ~0.9 ms, three times the statements themselves, so
 * a folder of copies (no engine, only hashing and SQLite) indexed at ~700 files/s. Writes made through
 * `run` within `windowMs` share one transaction; each keeps its own savepoint, so a failing write
 * rolls back alone. The window is committed by a timer, never held across the engine's work unless
 * that work takes less than the window; `flush` commits at once (on close).
 */
export class GroupCommit {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly windowMs = 20,
  ) {}

  run<T>(fn: () => T): T {
    if (!this.timer && !this.db.inTransaction) {
      this.db.exec('BEGIN IMMEDIATE');
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
    }
    return this.db.transaction(fn)();
  }

  flush(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.db.open && this.db.inTransaction) this.db.exec('COMMIT');
  }
}

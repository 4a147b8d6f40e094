import { AlbumError } from '../../album/errors';
import type { Edit, EditKind, Page, PageQuery } from '../../album/types';
import { type Db, groupCommitOf } from './database';
import { indexPersonName } from './people-names';

/**
 * The edit log: one entry per user edit of people or faces, with what the edit overwrote, so an undo
 * puts the album back exactly as it was (people rows, face assignments, pins, "not this person" bans,
 * "not a face" marks, chosen covers; merged-away people come back with their ids) and survives a restart.
 *
 * An edit runs inside `record`: before it writes, it names the rows it will touch (Snapshot), and their
 * current values are kept with the entry. Figures (counts, cover face, age) are not kept: the triggers
 * of person-stats.ts recompute them from the restored faces. Each entry also lists the people and
 * faces it touched (edit_touches, indexed), so an undo is refused when a later edit still in force
 * touched the same ones: undoing under it would overwrite that edit.
 */
const EDIT_LOG_SQL = `
CREATE TABLE IF NOT EXISTS edit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  summary TEXT NOT NULL,
  person_ids TEXT NOT NULL,
  before TEXT NOT NULL,
  created_at TEXT NOT NULL,
  undone_at TEXT
);
CREATE TABLE IF NOT EXISTS edit_touches (
  ref TEXT NOT NULL,
  edit_id INTEGER NOT NULL REFERENCES edit_log(id) ON DELETE CASCADE,
  PRIMARY KEY (ref, edit_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edit_touches_edit ON edit_touches(edit_id);
`;

interface PersonRow {
  id: string;
  name: string | null;
  hidden: number;
  labels: string;
  merged_into: string | null;
  edited: number;
  created_at: string;
  updated_at: string;
}

interface FaceRow {
  id: number;
  person_id: string | null;
  pinned_person_id: string | null;
  rejected_person_ids: string;
  not_a_face: number;
}

/** What an edit overwrote: each touched row as it was (a person `row: null` did not exist yet). */
interface Before {
  people: { id: string; row: PersonRow | null }[];
  faces: FaceRow[];
  covers: { personId: string; faceId: number | null }[];
}

/** Names the rows an edit is about to write; their values now are what an undo restores. */
export class Snapshot {
  readonly before: Before = { people: [], faces: [], covers: [] };
  private readonly people = new Set<string>();
  private readonly faces = new Set<number>();
  private readonly covers = new Set<string>();

  constructor(private readonly db: Db) {}

  person(...ids: string[]): this {
    const read = this.db.prepare(
      'SELECT id, name, hidden, labels, merged_into, edited, created_at, updated_at FROM people WHERE id = ?',
    );
    for (const id of ids) {
      if (this.people.has(id)) continue;
      this.people.add(id);
      this.before.people.push({ id, row: (read.get(id) as PersonRow | undefined) ?? null });
    }
    return this;
  }

  face(...ids: number[]): this {
    const fresh = ids.filter((id) => !this.faces.has(id));
    for (const id of fresh) this.faces.add(id);
    if (!fresh.length) return this;
    const rows = this.db
      .prepare(`SELECT id, person_id, pinned_person_id, rejected_person_ids, not_a_face FROM faces
        WHERE id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(fresh)) as FaceRow[];
    this.before.faces.push(...rows);
    return this;
  }

  /** A person's chosen cover (person_covers, FaceEditsStore). */
  cover(personId: string): this {
    if (this.covers.has(personId)) return this;
    this.covers.add(personId);
    const row = this.db.prepare('SELECT face_id FROM person_covers WHERE person_id = ?').get(personId) as
      | { face_id: number }
      | undefined;
    this.before.covers.push({ personId, faceId: row?.face_id ?? null });
    return this;
  }

  refs(): string[] {
    return [
      ...[...this.people, ...this.covers].map((id) => `p:${id}`),
      ...[...this.faces].map((id) => `f:${id}`),
    ];
  }
}

/** What an edit hands back to `record`: its result, its summary and the people it is about. */
export interface Recorded<T> {
  value: T;
  summary: string;
  personIds: string[];
}

interface LogRow {
  id: number;
  kind: EditKind;
  summary: string;
  person_ids: string;
  created_at: string;
  undone_at: string | null;
}

const toEdit = (r: LogRow): Edit => ({
  id: String(r.id),
  kind: r.kind,
  summary: r.summary,
  personIds: JSON.parse(r.person_ids) as string[],
  createdAt: r.created_at,
  undoneAt: r.undone_at,
  undoable: r.undone_at === null,
});

const badCursor = () => new AlbumError('bad_request', 'invalid cursor');

export class EditLogStore {
  constructor(private readonly db: Db) {
    db.exec(EDIT_LOG_SQL);
    // person_covers is FaceEditsStore's; an undo may restore a cover before that store was ever opened.
    db.exec(
      'CREATE TABLE IF NOT EXISTS person_covers (person_id TEXT PRIMARY KEY, face_id INTEGER NOT NULL)',
    );
  }

  /**
   * Runs one edit and its log entry in one transaction: `edit` names what it touches on the snapshot
   * before writing it. Throwing inside leaves neither the edit nor an entry.
   */
  record<T>(kind: EditKind, edit: (snapshot: Snapshot) => Recorded<T>): { value: T; editId: string } {
    // The indexer's group-commit window must not hold this transaction (its timer would commit it half-way).
    groupCommitOf(this.db).flush();
    return this.db.transaction(() => {
      const snapshot = new Snapshot(this.db);
      const { value, summary, personIds } = edit(snapshot);
      const id = Number(
        this.db
          .prepare(
            'INSERT INTO edit_log (kind, summary, person_ids, before, created_at) VALUES (?, ?, ?, ?, ?)',
          )
          .run(
            kind,
            summary,
            JSON.stringify(personIds),
            JSON.stringify(snapshot.before),
            new Date().toISOString(),
          ).lastInsertRowid,
      );
      const touch = this.db.prepare('INSERT OR IGNORE INTO edit_touches (ref, edit_id) VALUES (?, ?)');
      for (const ref of snapshot.refs()) touch.run(ref, id);
      return { value, editId: String(id) };
    })();
  }

  /** Newest first, keyset-paged by id. */
  list(q: PageQuery): Page<Edit> {
    let before = Number.MAX_SAFE_INTEGER;
    if (q.cursor) {
      const text = Buffer.from(q.cursor, 'base64url').toString('utf8');
      if (!/^\d{1,15}$/.test(text)) throw badCursor();
      before = Number(text);
    }
    const rows = this.db
      .prepare(
        'SELECT id, kind, summary, person_ids, created_at, undone_at FROM edit_log WHERE id < ? ORDER BY id DESC LIMIT ?',
      )
      .all(before, q.limit + 1) as LogRow[];
    const items = rows.slice(0, q.limit);
    return {
      items: items.map(toEdit),
      nextCursor: rows.length > q.limit ? Buffer.from(String(items.at(-1)!.id)).toString('base64url') : null,
    };
  }

  get(id: string): Edit | null {
    const row = this.row(id);
    return row ? toEdit(row) : null;
  }

  private row(id: string): (LogRow & { before: string }) | null {
    if (!/^\d{1,15}$/.test(id)) return null;
    return (
      (this.db
        .prepare(
          'SELECT id, kind, summary, person_ids, before, created_at, undone_at FROM edit_log WHERE id = ?',
        )
        .get(Number(id)) as (LogRow & { before: string }) | undefined) ?? null
    );
  }

  /**
   * Puts back what edit `id` overwrote. Refused (409) when it is undone already, or when a later edit
   * still in force touched the same people or faces (the message names them: undo those first).
   */
  undo(id: string): Edit {
    groupCommitOf(this.db).flush();
    return this.db.transaction(() => {
      const row = this.row(id);
      if (!row) throw new AlbumError('not_found', `edit ${id} does not exist`);
      if (row.undone_at !== null) throw new AlbumError('conflict', `edit ${id} is already undone`);
      const later = this.db
        .prepare(`SELECT DISTINCT e.id, e.summary FROM edit_touches mine
          JOIN edit_touches t ON t.ref = mine.ref AND t.edit_id > mine.edit_id
          JOIN edit_log e ON e.id = t.edit_id AND e.undone_at IS NULL
          WHERE mine.edit_id = ? ORDER BY e.id DESC`)
        .all(row.id) as { id: number; summary: string }[];
      if (later.length)
        throw new AlbumError(
          'conflict',
          `edit ${id} cannot be undone before the later ${later.length === 1 ? 'edit' : 'edits'} on the same people or faces: ${later
            .map((e) => `${e.id} (${e.summary})`)
            .join(', ')}`,
          { laterEditIds: later.map((e) => String(e.id)) },
        );
      this.restore(JSON.parse(row.before) as Before);
      this.db.prepare('UPDATE edit_log SET undone_at = ? WHERE id = ?').run(new Date().toISOString(), row.id);
      return this.get(id)!;
    })();
  }

  private restore(before: Before): void {
    const db = this.db;
    const upsertPerson =
      db.prepare(`INSERT INTO people (id, name, hidden, labels, merged_into, edited, created_at, updated_at)
      VALUES (@id, @name, @hidden, @labels, @merged_into, @edited, @created_at, @updated_at)
      ON CONFLICT(id) DO UPDATE SET name = excluded.name, hidden = excluded.hidden, labels = excluded.labels,
        merged_into = excluded.merged_into, edited = excluded.edited, created_at = excluded.created_at,
        updated_at = excluded.updated_at`);
    for (const p of before.people) {
      if (!p.row) continue;
      upsertPerson.run(p.row);
      // The name search key follows the name (GET /people?q=).
      indexPersonName(db, p.id, p.row.name as string | null);
    }
    const face = db.prepare(`UPDATE faces SET person_id = @person_id, pinned_person_id = @pinned_person_id,
      rejected_person_ids = @rejected_person_ids, not_a_face = @not_a_face WHERE id = @id`);
    for (const f of before.faces) face.run(f);
    const dropCover = db.prepare('DELETE FROM person_covers WHERE person_id = ?');
    const putCover = db.prepare('INSERT INTO person_covers (person_id, face_id) VALUES (?, ?)');
    for (const c of before.covers) {
      dropCover.run(c.personId);
      if (c.faceId !== null) putCover.run(c.personId, c.faceId);
    }
    // People the edit created go again; faces clustering gave them since wait for the next pass.
    for (const p of before.people) {
      if (p.row) continue;
      // (Faces pinned to it were all pinned by the edit, so the snapshot restored them.)
      db.prepare('UPDATE faces SET person_id = NULL WHERE person_id = ?').run(p.id);
      db.prepare('DELETE FROM person_covers WHERE person_id = ?').run(p.id);
      indexPersonName(db, p.id, null);
      db.prepare('DELETE FROM people WHERE id = ?').run(p.id);
    }
  }
}

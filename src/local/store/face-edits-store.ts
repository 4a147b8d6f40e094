import { notFound } from '../../album/errors';
import type { Box } from '../../album/types';
import type { Db } from './database';

/**
 * User edits the People page adds on top of clustering: a chosen cover face per person and faces given
 * to a person by hand. Kept in its own table so the people store's schema stays the clusterer's.
 */
export class FaceEditsStore {
  constructor(private readonly db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS person_covers (
      person_id TEXT PRIMARY KEY,
      face_id INTEGER NOT NULL
    )`);
  }

  /** Makes a face of the person its cover; the face must belong to the person now. */
  setCover(personId: string, faceId: number): void {
    const row = this.db.prepare('SELECT person_id FROM faces WHERE id = ?').get(faceId) as
      | { person_id: string | null }
      | undefined;
    if (!row || row.person_id !== personId) throw notFound(`face of person ${personId}`, String(faceId));
    this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO person_covers (person_id, face_id) VALUES (?, ?) ON CONFLICT(person_id) DO UPDATE SET face_id = excluded.face_id',
        )
        .run(personId, faceId);
      this.db
        .prepare('UPDATE people SET edited = 1, updated_at = ? WHERE id = ?')
        .run(new Date().toISOString(), personId);
    })();
  }

  /** The person a face is on (null: none), or undefined when there is no such face. */
  personOfFace(faceId: number): string | null | undefined {
    const row = this.db.prepare('SELECT person_id FROM faces WHERE id = ?').get(faceId) as
      | { person_id: string | null }
      | undefined;
    return row ? row.person_id : undefined;
  }

  /** The chosen cover face of a person while that face still belongs to it, else null. */
  chosenCoverOf(personId: string): number | null {
    const row = this.db
      .prepare(`SELECT c.face_id FROM person_covers c JOIN faces f ON f.id = c.face_id AND f.person_id = c.person_id
        WHERE c.person_id = ?`)
      .get(personId) as { face_id: number } | undefined;
    return row?.face_id ?? null;
  }

  /**
   * Chosen covers of these people whose face still belongs to them (a face moved away by "not this
   * person" or a merge falls back to the automatic cover). One indexed query per page.
   */
  coversOf(personIds: string[]): Map<string, { path: string; box: Box }> {
    const out = new Map<string, { path: string; box: Box }>();
    if (!personIds.length) return out;
    const rows = this.db
      .prepare(`SELECT c.person_id, p.path, a.box_left, a.box_top, a.box_width, a.box_height
        FROM person_covers c JOIN faces f ON f.id = c.face_id AND f.person_id = c.person_id
        JOIN photos p ON p.id = f.photo_id JOIN analysis_faces a ON a.hash = p.hash AND a.idx = f.idx
        WHERE c.person_id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(personIds)) as {
      person_id: string;
      path: string;
      box_left: number;
      box_top: number;
      box_width: number;
      box_height: number;
    }[];
    for (const r of rows)
      out.set(r.person_id, {
        path: r.path,
        box: { left: r.box_left, top: r.box_top, width: r.box_width, height: r.box_height },
      });
    return out;
  }

  /**
   * Gives a face to a person by hand: pinned there (no clustering moves it) and no longer rejected by
   * that person. Both the old and the new person count as edited.
   */
  assignFace(faceId: number, personId: string): { from: string | null } {
    const face = this.db
      .prepare('SELECT person_id, rejected_person_ids FROM faces WHERE id = ?')
      .get(faceId) as { person_id: string | null; rejected_person_ids: string } | undefined;
    if (!face) throw notFound('face', String(faceId));
    const person = this.db.prepare('SELECT 1 FROM people WHERE id = ? AND merged_into IS NULL').get(personId);
    if (!person) throw notFound('person', personId);
    const rejected = (JSON.parse(face.rejected_person_ids) as string[]).filter((id) => id !== personId);
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE faces SET person_id = ?, pinned_person_id = ?, rejected_person_ids = ? WHERE id = ?')
        .run(personId, personId, JSON.stringify(rejected), faceId);
      const touch = this.db.prepare('UPDATE people SET edited = 1, updated_at = ? WHERE id = ?');
      touch.run(now, personId);
      if (face.person_id && face.person_id !== personId) touch.run(now, face.person_id);
    })();
    return { from: face.person_id };
  }

  /** Sum and count of the identity embeddings per live person, in one pass over the assigned faces. */
  personEmbeddingSums(): Map<string, { sum: Float64Array; n: number }> {
    const out = new Map<string, { sum: Float64Array; n: number }>();
    const rows = this.db
      .prepare(`SELECT f.person_id, a.embedding FROM faces f JOIN photos p ON p.id = f.photo_id
        JOIN analysis_faces a ON a.hash = p.hash AND a.idx = f.idx WHERE f.person_id IS NOT NULL`)
      .iterate() as IterableIterator<{ person_id: string; embedding: Buffer }>;
    for (const r of rows) {
      // Copied: a Buffer from SQLite need not be 4-byte aligned.
      const b = r.embedding;
      const v = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      let acc = out.get(r.person_id);
      if (!acc) {
        acc = { sum: new Float64Array(v.length), n: 0 };
        out.set(r.person_id, acc);
      }
      for (let i = 0; i < v.length; i++) acc.sum[i]! += v[i]!;
      acc.n++;
    }
    return out;
  }
}

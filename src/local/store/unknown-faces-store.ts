import { z } from 'zod';
import { AlbumError, notFound } from '../../album/errors';
import type { Page, PageQuery } from '../../album/types';
import type { Db } from './database';
import type { Touching } from './people-store';

/** Sample faces shown per group in the list. */
export const GROUP_SAMPLES = 8;

const badCursor = () => new AlbumError('bad_request', 'invalid cursor');
const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function decode<T>(cursor: string, shape: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const parsed = shape.safeParse(json);
  if (!parsed.success) throw badCursor();
  return parsed.data;
}
const Id = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const GroupCursor = z.tuple([Id, Id]);

/**
 * The faces no person holds, grouped (schema and triggers: unknown-faces-schema.ts), and "not a face"
 * marks. Every read is keyset-paged on an index: a page costs the same with 20 or 20,000 unknown faces.
 */
export class UnknownFacesStore {
  constructor(private readonly db: Db) {}

  /**
   * Replaces the grouping with a clustering pass's (face ids; faces that found a person or were marked
   * "not a face" since the pass read them are left out).
   */
  replaceGroups(groups: number[][]): void {
    this.db.transaction(() => {
      this.db.exec('DELETE FROM unknown_groups; DELETE FROM unknown_faces;');
      const group = this.db.prepare('INSERT INTO unknown_groups (size) VALUES (0)');
      const face = this.db.prepare(`INSERT OR IGNORE INTO unknown_faces (face_id, group_id)
        SELECT id, ? FROM faces WHERE id = ? AND person_id IS NULL AND not_a_face = 0 AND video = 0`);
      for (const ids of groups) {
        const gid = Number(group.run().lastInsertRowid);
        for (const id of ids) face.run(gid, id);
      }
      this.db.exec('DELETE FROM unknown_groups WHERE size = 0');
    })();
  }

  /** Groups, largest first (ties: newer group first), each with its first GROUP_SAMPLES face ids. */
  groups(q: PageQuery): Page<{ id: string; size: number; faceIds: number[] }> {
    const params: number[] = [];
    let after = '';
    if (q.cursor) {
      const [size, id] = decode(q.cursor, GroupCursor);
      // One seek on the (size, id) index, read backwards: both keys descend.
      after = 'AND (size, id) < (?, ?)';
      params.push(size, id);
    }
    const rows = this.db
      .prepare(
        `SELECT id, size FROM unknown_groups INDEXED BY unknown_groups_by_size
         WHERE size > 0 ${after} ORDER BY size DESC, id DESC LIMIT ?`,
      )
      .all(...params, q.limit + 1) as { id: number; size: number }[];
    const items = rows.slice(0, q.limit);
    const sample = this.db.prepare(
      'SELECT face_id FROM unknown_faces WHERE group_id = ? ORDER BY face_id LIMIT ?',
    );
    const last = items.at(-1);
    return {
      items: items.map((g) => ({
        id: String(g.id),
        size: g.size,
        faceIds: (sample.all(g.id, GROUP_SAMPLES) as { face_id: number }[]).map((r) => r.face_id),
      })),
      nextCursor: rows.length > q.limit && last ? encode([last.size, last.id]) : null,
    };
  }

  /** One page of a group's face ids, in id order. */
  groupFaceIds(groupId: string, q: PageQuery): Page<number> {
    const gid = /^\d{1,15}$/.test(groupId) ? Number(groupId) : -1;
    const group = this.db.prepare('SELECT size FROM unknown_groups WHERE id = ? AND size > 0').get(gid);
    if (!group) throw notFound('unknown-face group', groupId);
    const after = q.cursor ? decode(q.cursor, Id) : 0;
    const ids = (
      this.db
        .prepare(
          'SELECT face_id FROM unknown_faces WHERE group_id = ? AND face_id > ? ORDER BY face_id LIMIT ?',
        )
        .all(gid, after, q.limit + 1) as { face_id: number }[]
    ).map((r) => r.face_id);
    return this.page(ids, q.limit);
  }

  /** Faces marked "not a face", in id order (to reverse a mark). */
  notAFaceIds(q: PageQuery): Page<number> {
    const after = q.cursor ? decode(q.cursor, Id) : 0;
    const ids = (
      this.db
        .prepare(
          'SELECT id FROM faces INDEXED BY faces_not_a_face WHERE not_a_face = 1 AND id > ? ORDER BY id LIMIT ?',
        )
        .all(after, q.limit + 1) as { id: number }[]
    ).map((r) => r.id);
    return this.page(ids, q.limit);
  }

  private page(ids: number[], limit: number): Page<number> {
    const items = ids.slice(0, limit);
    return { items, nextCursor: ids.length > limit ? encode(items.at(-1)!) : null };
  }

  /**
   * Marks faces (and every copy of their photo: same content, same face index) as "not a face", or
   * takes the mark off. A marked face leaves its person and loses its pin; an unmarked one waits for the
   * next clustering pass. Returns the faces written and the people they left. Unknown ids: 404, nothing written.
   */
  markNotAFace(
    faceIds: number[],
    notAFace: boolean,
    touching: Touching,
  ): { faceIds: number[]; left: string[] } {
    const found = this.db
      .prepare(`SELECT f.id, f.idx, p.hash FROM faces f JOIN photos p ON p.id = f.photo_id
        WHERE f.id IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(faceIds)) as { id: number; idx: number; hash: string }[];
    const missing = faceIds.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) throw notFound('face', missing.join(', '));
    const copies = this.db.prepare(`SELECT f.id, f.person_id FROM faces f JOIN photos p ON p.id = f.photo_id
      WHERE p.hash = ? AND f.idx = ?`);
    const rows = new Map<number, string | null>();
    for (const f of found)
      for (const c of copies.all(f.hash, f.idx) as { id: number; person_id: string | null }[])
        rows.set(c.id, c.person_id);
    const left = [...new Set([...rows.values()].filter((p): p is string => p !== null))];
    touching({ faceIds: [...rows.keys()], personIds: left });
    const write = notAFace
      ? this.db.prepare(
          'UPDATE faces SET not_a_face = 1, person_id = NULL, pinned_person_id = NULL WHERE id = ?',
        )
      : this.db.prepare('UPDATE faces SET not_a_face = 0 WHERE id = ?');
    for (const id of rows.keys()) write.run(id);
    return { faceIds: [...rows.keys()].sort((a, b) => a - b), left: notAFace ? left : [] };
  }
}

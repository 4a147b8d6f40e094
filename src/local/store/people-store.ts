import { AlbumError, notFound } from '../../album/errors';
import type { Page, PeopleQuery, PersonPatch, PersonRecord } from '../../album/types';
import type { ClusterChanges, ClusterPerson } from '../cluster/cluster-types';
import { type FaceConstraints, mergeFace, rejectFace } from '../cluster/user-edits';
import type { Db } from './database';

interface ConstraintRow {
  id: number;
  person_id: string | null;
  pinned_person_id: string | null;
  rejected_person_ids: string;
}
const fromRow = (r: ConstraintRow): FaceConstraints => ({
  personId: r.person_id,
  pinnedPersonId: r.pinned_person_id,
  rejectedPersonIds: JSON.parse(r.rejected_person_ids) as string[],
});

interface PersonRow {
  id: string;
  name: string | null;
  hidden: number;
  labels: string;
  merged_into: string | null;
  edited: number;
  created_at: string;
  updated_at: string;
  face_count: number;
  image_count: number;
}

const SORT_SQL: Record<PeopleQuery['sort'], string> = {
  imageCount: 'image_count',
  updatedAt: 'p.updated_at',
  name: "COALESCE(p.name, '') COLLATE NOCASE",
};

export function encodeCursor(offset: number): string {
  return Buffer.from(String(offset)).toString('base64url');
}
export function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  const n = Number(Buffer.from(cursor, 'base64url').toString());
  if (!Number.isInteger(n) || n < 0) throw new AlbumError('bad_request', 'invalid cursor');
  return n;
}

const STATS_CTE = `WITH stats AS (SELECT person_id, COUNT(*) AS face_count, COUNT(DISTINCT photo_id) AS image_count
  FROM faces WHERE person_id IS NOT NULL GROUP BY person_id)`;

/** People, user edits on them and on faces, and the persistence of clustering results. */
export class PeopleStore {
  constructor(
    private readonly db: Db,
    private readonly uriOf: (path: string) => string,
  ) {}

  list(q: PeopleQuery): Page<PersonRecord> {
    const offset = decodeCursor(q.cursor);
    const hidden =
      q.hidden === 'exclude' ? 'AND p.hidden = 0' : q.hidden === 'only' ? 'AND p.hidden = 1' : '';
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const rows = this.db
      .prepare(`${STATS_CTE} SELECT p.*, s.face_count, s.image_count FROM people p JOIN stats s ON s.person_id = p.id
      WHERE p.merged_into IS NULL ${hidden} ORDER BY ${SORT_SQL[q.sort]} ${dir}, p.id ${dir} LIMIT ? OFFSET ?`)
      .all(q.limit + 1, offset) as PersonRow[];
    const items = rows.slice(0, q.limit).map((r) => this.toRecord(r));
    return { items, nextCursor: rows.length > q.limit ? encodeCursor(offset + q.limit) : null };
  }

  /**
   * A live person: not merged away and with faces, or null. A named person whose photos are all gone is
   * kept (a re-added photo brings it back) but, as in the list, not shown.
   */
  get(id: string): PersonRecord | null {
    const r = this.db
      .prepare(`${STATS_CTE} SELECT p.*, s.face_count, s.image_count
      FROM people p JOIN stats s ON s.person_id = p.id WHERE p.id = ? AND p.merged_into IS NULL`)
      .get(id) as PersonRow | undefined;
    return r ? this.toRecord(r) : null;
  }

  photoIdsOf(id: string, offset: number, limit: number): number[] {
    return (
      this.db
        .prepare(`SELECT DISTINCT photo_id FROM faces WHERE person_id = ? ORDER BY photo_id LIMIT ? OFFSET ?`)
        .all(id, limit, offset) as { photo_id: number }[]
    ).map((r) => r.photo_id);
  }

  update(id: string, patch: PersonPatch): PersonRecord {
    if (!this.get(id)) throw notFound('person', id);
    const sets: string[] = ['edited = 1', 'updated_at = @now'];
    const params: Record<string, unknown> = { id, now: new Date().toISOString() };
    if (patch.name !== undefined) {
      sets.push('name = @name');
      params.name = patch.name === '' ? null : patch.name;
    }
    if (patch.hidden !== undefined) {
      sets.push('hidden = @hidden');
      params.hidden = patch.hidden ? 1 : 0;
    }
    if (patch.labels !== undefined) {
      sets.push('labels = @labels');
      params.labels = JSON.stringify(patch.labels);
    }
    this.db.prepare(`UPDATE people SET ${sets.join(', ')} WHERE id = @id`).run(params);
    return this.get(id)!;
  }

  /** Merges `from` into `into` (rules: cluster/user-edits.ts); the merged-away ids are never reused. */
  merge(from: string[], into: string): void {
    this.db.transaction(() => {
      for (const id of [into, ...from]) if (!this.get(id)) throw notFound('person', id);
      const now = new Date().toISOString();
      const ids = JSON.stringify([into, ...from]);
      const rows = this.db
        .prepare(`SELECT id, person_id, pinned_person_id, rejected_person_ids FROM faces
          WHERE person_id IN (SELECT value FROM json_each(?)) OR pinned_person_id IN (SELECT value FROM json_each(?))`)
        .all(ids, ids) as ConstraintRow[];
      for (const row of rows) this.writeConstraints(row.id, mergeFace(fromRow(row), from, into));
      const retire = this.db.prepare('UPDATE people SET merged_into = ?, updated_at = ? WHERE id = ?');
      const repoint = this.db.prepare('UPDATE people SET merged_into = ? WHERE merged_into = ?');
      for (const id of from) {
        retire.run(into, now, id);
        // People merged earlier into `id` now point at the final target.
        repoint.run(into, id);
      }
      this.db.prepare('UPDATE people SET edited = 1, updated_at = ? WHERE id = ?').run(now, into);
    })();
  }

  /**
   * "Not this person" (rules: cluster/user-edits.ts), for the face and every copy of its photo (same
   * content and face index), so the face does not stay in the person through a copy.
   */
  rejectFace(personId: string, faceId: number): void {
    const row = this.db
      .prepare(
        'SELECT f.person_id, f.idx, p.hash FROM faces f JOIN photos p ON p.id = f.photo_id WHERE f.id = ?',
      )
      .get(faceId) as { person_id: string | null; idx: number; hash: string } | undefined;
    if (!row || row.person_id !== personId) throw notFound(`face of person ${personId}`, String(faceId));
    const now = new Date().toISOString();
    this.db.transaction(() => {
      const copies = this.db
        .prepare(`SELECT f.id, f.person_id, f.pinned_person_id, f.rejected_person_ids FROM faces f
          JOIN photos p ON p.id = f.photo_id WHERE p.hash = ? AND f.idx = ?`)
        .all(row.hash, row.idx) as ConstraintRow[];
      for (const copy of copies) this.writeConstraints(copy.id, rejectFace(fromRow(copy), personId));
      this.db.prepare('UPDATE people SET edited = 1, updated_at = ? WHERE id = ?').run(now, personId);
    })();
  }

  private writeConstraints(faceId: number, c: FaceConstraints): void {
    this.db
      .prepare('UPDATE faces SET person_id = ?, pinned_person_id = ?, rejected_person_ids = ? WHERE id = ?')
      .run(c.personId, c.pinnedPersonId, JSON.stringify(c.rejectedPersonIds), faceId);
  }

  /** Persons as the clusterer needs them: merged-away ids are never reused, edited ones keep their id first. */
  clusterPersons(): ClusterPerson[] {
    return (
      this.db.prepare('SELECT id, merged_into, edited FROM people').all() as {
        id: string;
        merged_into: string | null;
        edited: number;
      }[]
    ).map((r) => ({ id: r.id, mergedInto: r.merged_into, userEdited: r.edited === 1 }));
  }

  /** Persists one clustering result; returns how many persons were created and how many changed. */
  applyClusterChanges(changes: ClusterChanges): { created: number; updated: number; deleted: number } {
    return this.db.transaction(() => {
      const now = new Date().toISOString();
      const insert = this.db.prepare(
        'INSERT OR IGNORE INTO people (id, created_at, updated_at) VALUES (?,?,?)',
      );
      let created = 0;
      for (const id of changes.createdPersons) created += insert.run(id, now, now).changes;
      const touched = new Set<string>();
      const current = this.db.prepare('SELECT person_id FROM faces WHERE id = ?');
      const assign = this.db.prepare('UPDATE faces SET person_id = ? WHERE id = ?');
      const ensure = this.db.prepare(
        'INSERT OR IGNORE INTO people (id, created_at, updated_at) VALUES (?,?,?)',
      );
      for (const { faceId, personId } of changes.assignments) {
        const before = current.get(faceId) as { person_id: string | null } | undefined;
        if (!before || before.person_id === personId) continue;
        if (personId) {
          created += ensure.run(personId, now, now).changes;
          touched.add(personId);
        }
        if (before.person_id) touched.add(before.person_id);
        assign.run(personId, faceId);
      }
      const bump = this.db.prepare('UPDATE people SET updated_at = ? WHERE id = ?');
      for (const id of touched) bump.run(now, id);
      // An emptied person the user never touched goes away; an edited one is kept (it may come back).
      let deleted = 0;
      const drop = this.db.prepare(`DELETE FROM people WHERE id = ? AND edited = 0 AND merged_into IS NULL
        AND NOT EXISTS (SELECT 1 FROM faces WHERE person_id = people.id)`);
      for (const id of changes.emptiedPersons) deleted += drop.run(id).changes;
      return {
        created,
        updated: [...touched].filter((id) => !changes.createdPersons.includes(id)).length,
        deleted,
      };
    })();
  }

  counts(): { people: number } {
    return this.db
      .prepare(
        `${STATS_CTE} SELECT COUNT(*) AS people FROM people p JOIN stats s ON s.person_id = p.id WHERE p.merged_into IS NULL`,
      )
      .get() as { people: number };
  }

  /** Aggregates in SQL so a person with thousands of faces costs two indexed queries, not a full load. */
  private toRecord(r: PersonRow): PersonRecord {
    const agg = this.db
      .prepare(`SELECT SUM(a.gender = 'male') AS males, SUM(a.gender = 'female') AS females,
        AVG(a.age) AS age_avg, MIN(a.age) AS age_min, MAX(a.age) AS age_max
      FROM faces f JOIN photos p ON p.id = f.photo_id JOIN analysis_faces a ON a.hash = p.hash AND a.idx = f.idx WHERE f.person_id = ?`)
      .get(r.id) as {
      males: number | null;
      females: number | null;
      age_avg: number | null;
      age_min: number | null;
      age_max: number | null;
    };
    // Cover: the best clusterable face, else the best face at all.
    const cover = this.db
      .prepare(`SELECT p.path, a.box_left, a.box_top, a.box_width, a.box_height
      FROM faces f JOIN photos p ON p.id = f.photo_id JOIN analysis_faces a ON a.hash = p.hash AND a.idx = f.idx
      WHERE f.person_id = ? ORDER BY f.clusterable DESC, a.quality DESC, f.id LIMIT 1`)
      .get(r.id) as
      | { path: string; box_left: number; box_top: number; box_width: number; box_height: number }
      | undefined;
    const males = agg.males ?? 0,
      females = agg.females ?? 0;
    const round1 = (v: number) => Math.round(v * 10) / 10;
    return {
      id: r.id,
      name: r.name,
      hidden: r.hidden === 1,
      labels: JSON.parse(r.labels) as Record<string, string>,
      faceCount: r.face_count,
      imageCount: r.image_count,
      videoCount: 0,
      gender: males + females === 0 ? null : males >= females ? 'male' : 'female',
      age:
        agg.age_avg === null
          ? null
          : { avg: round1(agg.age_avg), min: round1(agg.age_min!), max: round1(agg.age_max!) },
      cover: cover
        ? {
            uri: this.uriOf(cover.path),
            box: {
              left: cover.box_left,
              top: cover.box_top,
              width: cover.box_width,
              height: cover.box_height,
            },
          }
        : null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }
}

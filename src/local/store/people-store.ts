import { AlbumError, notFound } from '../../album/errors';
import type { Page, PeopleQuery, PersonPatch, PersonRecord } from '../../album/types';
import type { ClusterChanges, ClusterPerson, VectorKind } from '../cluster/cluster-types';
import { type FaceConstraints, mergeFace, rejectFace } from '../cluster/user-edits';
import { type Db, groupCommitOf } from './database';
import { MetaStore } from './meta-store';
import { encodePeopleCursor, peoplePageSql, sortKeyOf } from './people-list';
import { indexPersonName, queryPart } from './people-names';
import { PersonPhotos } from './person-photos';
import { listedPerson } from './person-stats';

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
  created_at: string;
  updated_at: string;
  face_count: number;
  image_count: number;
  video_count: number;
  cover_time: number | null;
  males: number;
  females: number;
  age_n: number;
  age_sum: number;
  age_min: number | null;
  age_max: number | null;
  name_order: string;
  cover_path: string | null;
  box_left: number | null;
  box_top: number | null;
  box_width: number | null;
  box_height: number | null;
}

/** A person with its stored figures and its cover (three primary-key lookups, whatever the person's size). */
const PERSON_SELECT = `SELECT people.id, people.name, people.hidden, people.labels, people.created_at, people.updated_at,
  people.face_count, people.image_count, people.video_count, people.males, people.females, people.age_n, people.age_sum,
  people.age_min, people.age_max, people.name_order, cp.path AS cover_path, ca.box_left, ca.box_top, ca.box_width,
  ca.box_height, ca.time_seconds AS cover_time
  FROM people LEFT JOIN faces cf ON cf.id = people.cover_face_id LEFT JOIN photos cp ON cp.id = cf.photo_id
  LEFT JOIN analysis_faces ca ON ca.hash = cp.hash AND ca.idx = cf.idx`;

/** Told the faces and people an edit is about to write, before it writes them (the edit log's snapshot). */
export type Touching = (touched: { faceIds: number[]; personIds: string[] }) => void;

/** People, user edits on them and on faces, and the persistence of clustering results. */
export class PeopleStore {
  /** Which photos each person is in, newest first (person-photos.ts). */
  readonly photos: PersonPhotos;
  private readonly meta: MetaStore;

  constructor(
    private readonly db: Db,
    private readonly uriOf: (path: string) => string,
  ) {
    this.photos = new PersonPhotos(db);
    this.meta = new MetaStore(db);
  }

  list(q: PeopleQuery): Page<PersonRecord> {
    const page = peoplePageSql(q);
    let rows: PersonRow[];
    if (q.q) {
      // Driven by the name-part key (people-names.ts): only people whose name holds the text are read and sorted.
      const { norm, part } = queryPart(q.q);
      rows = this.db
        .prepare(
          `${PERSON_SELECT.replace('FROM people LEFT JOIN', 'FROM people_name_parts np CROSS JOIN people LEFT JOIN')}
          WHERE np.part = ? AND people.id = np.person_id AND instr(people.name_norm, ?) > 0 AND ${page.where}
          ORDER BY ${page.order} LIMIT ?`,
        )
        .all(part, norm, ...page.params, q.limit + 1) as PersonRow[];
    } else {
      rows = this.db
        .prepare(`${PERSON_SELECT} WHERE ${page.where} ORDER BY ${page.order} LIMIT ?`)
        .all(...page.params, q.limit + 1) as PersonRow[];
    }
    const items = rows.slice(0, q.limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => toRecord(r, this.uriOf)),
      nextCursor:
        rows.length > q.limit && last ? encodePeopleCursor(q.sort, sortKeyOf(q.sort, last), last.id) : null,
    };
  }

  /**
   * A listed person (not merged away, with faces), or null: a named person whose photos are all gone is
   * kept (a re-added photo brings it back) but, as in the list, not shown.
   */
  get(id: string): PersonRecord | null {
    const r = this.db.prepare(`${PERSON_SELECT} WHERE people.id = ? AND ${listedPerson('people')}`).get(id) as
      | PersonRow
      | undefined;
    return r ? toRecord(r, this.uriOf) : null;
  }

  /**
   * The stored ids behind the ids of a `people=` query, smallest person first (the fewest seeks for the
   * intersection): a merged-away id stands for the person it was merged into; an unknown or emptied id is
   * not found and a hidden person is refused, each by its id.
   */
  resolveForQuery(ids: string[]): string[] {
    const row = this.db.prepare(
      `SELECT id, merged_into, hidden, face_count, image_count + video_count AS image_count FROM people WHERE id = ?`,
    );
    type Row = {
      id: string;
      merged_into: string | null;
      hidden: number;
      face_count: number;
      image_count: number;
    };
    const resolved = new Map<string, number>();
    for (const id of ids) {
      let r = row.get(id) as Row | undefined;
      if (r?.merged_into) r = row.get(r.merged_into) as Row | undefined;
      if (!r || r.merged_into || r.face_count === 0) throw notFound('person', id);
      if (r.hidden)
        throw new AlbumError('bad_request', `person ${id} is hidden; unhide it to list its photos`);
      resolved.set(r.id, r.image_count);
    }
    return [...resolved].sort((a, b) => a[1] - b[1]).map(([id]) => id);
  }

  /** User edits and clustering results commit on their own, not in the indexer's group-commit window. */
  private ownCommit(): void {
    groupCommitOf(this.db).flush();
  }

  update(id: string, patch: PersonPatch): PersonRecord {
    this.ownCommit();
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
    this.db.transaction(() => {
      this.db.prepare(`UPDATE people SET ${sets.join(', ')} WHERE id = @id`).run(params);
      if (patch.name !== undefined) indexPersonName(this.db, id, (params.name as string | null) ?? null);
    })();
    return this.get(id)!;
  }

  /**
   * Merges `from` into `into` (rules: cluster/user-edits.ts); the merged-away ids are never reused.
   * `touching` hears the faces and people it is about to write, before it writes them (the edit log).
   */
  merge(from: string[], into: string, touching: Touching = () => {}): void {
    this.ownCommit();
    this.db.transaction(() => {
      for (const id of [into, ...from]) if (!this.get(id)) throw notFound('person', id);
      const now = new Date().toISOString();
      const ids = JSON.stringify([into, ...from]);
      const rows = this.db
        .prepare(`SELECT id, person_id, pinned_person_id, rejected_person_ids FROM faces
          WHERE person_id IN (SELECT value FROM json_each(?)) OR pinned_person_id IN (SELECT value FROM json_each(?))`)
        .all(ids, ids) as ConstraintRow[];
      const earlier = (
        this.db
          .prepare('SELECT id FROM people WHERE merged_into IN (SELECT value FROM json_each(?))')
          .all(JSON.stringify(from)) as { id: string }[]
      ).map((r) => r.id);
      touching({ faceIds: rows.map((r) => r.id), personIds: [into, ...from, ...earlier] });
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
  rejectFace(personId: string, faceId: number, touching: Touching = () => {}): void {
    this.ownCommit();
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
      touching({ faceIds: copies.map((c) => c.id), personIds: [personId] });
      for (const copy of copies) this.writeConstraints(copy.id, rejectFace(fromRow(copy), personId));
      this.db.prepare('UPDATE people SET edited = 1, updated_at = ? WHERE id = ?').run(now, personId);
    })();
  }

  /** The person a merged-away person ended in (merges repoint earlier ones, so one hop), or null. */
  mergedInto(id: string): string | null {
    const row = this.db.prepare('SELECT merged_into FROM people WHERE id = ?').get(id) as
      | { merged_into: string | null }
      | undefined;
    return row?.merged_into ?? null;
  }

  /** A person made by hand (faces given to a "new person"): edited, so clustering keeps it. */
  create(id: string, name: string | null): void {
    const now = new Date().toISOString();
    this.db
      .prepare('INSERT INTO people (id, name, edited, created_at, updated_at) VALUES (?, ?, 1, ?, ?)')
      .run(id, name, now, now);
  }

  /** The face a person's card shows unless a cover was chosen (the automatic one, person-stats.ts). */
  coverFaceId(id: string): number | null {
    const row = this.db.prepare('SELECT cover_face_id FROM people WHERE id = ?').get(id) as
      | { cover_face_id: number | null }
      | undefined;
    return row?.cover_face_id ?? null;
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

  /** The vectors the album's people were last clustered on in full (before fused vectors: face-api's). */
  clusteredVectors(): VectorKind {
    return this.meta.get('clustered_vectors') === 'fused' ? 'fused' : 'face-api';
  }

  /** Persists one clustering result; returns how many persons were created and how many changed. */
  applyClusterChanges(changes: ClusterChanges): { created: number; updated: number; deleted: number } {
    this.ownCommit();
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
      // An emptied person the user never touched goes away; an edited one is kept (it may come back). So
      // does a new one whose faces were all deleted while the pass ran (clustering thread).
      let deleted = 0;
      const drop = this.db.prepare(
        'DELETE FROM people WHERE id = ? AND edited = 0 AND merged_into IS NULL AND face_count = 0',
      );
      for (const id of new Set([...changes.emptiedPersons, ...changes.createdPersons]))
        deleted += drop.run(id).changes;
      if (changes.fullPass) this.meta.set('clustered_vectors', changes.fullPass.vectors);
      return {
        created,
        updated: [...touched].filter((id) => !changes.createdPersons.includes(id)).length,
        deleted,
      };
    })();
  }

  counts(): { people: number } {
    return {
      people: (this.db.prepare(`SELECT n FROM album_counts WHERE name = 'people'`).get() as { n: number }).n,
    };
  }
}

const round1 = (v: number) => Math.round(v * 10) / 10;

function toRecord(r: PersonRow, uriOf: (path: string) => string): PersonRecord {
  const box =
    r.box_left === null || r.box_top === null || r.box_width === null || r.box_height === null
      ? null
      : { left: r.box_left, top: r.box_top, width: r.box_width, height: r.box_height };
  return {
    id: r.id,
    name: r.name,
    hidden: r.hidden === 1,
    labels: JSON.parse(r.labels) as Record<string, string>,
    faceCount: r.face_count,
    imageCount: r.image_count,
    videoCount: r.video_count,
    gender: r.males + r.females === 0 ? null : r.males >= r.females ? 'male' : 'female',
    age:
      r.age_n === 0 || r.age_min === null || r.age_max === null
        ? null
        : { avg: round1(r.age_sum / r.age_n), min: round1(r.age_min), max: round1(r.age_max) },
    cover: r.cover_path
      ? { uri: uriOf(r.cover_path), box, ...(r.cover_time !== null ? { timeSeconds: r.cover_time } : {}) }
      : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

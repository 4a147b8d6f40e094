/**
 * The local store behind "asking the album": the person→photo table the triggers keep equals a rebuild
 * after every kind of write; leapfrog pages equal a brute-force intersection (2 and 3 people, date bounds,
 * attribute filters, every cursor); reads seek by index (EXPLAIN QUERY PLAN); name search folds case,
 * accents, width and leaves CJK alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeName } from '../src/album/name-search';
import type { AnalyzedPhoto } from '../src/local/engine/face-engine';
import { type Db, openDatabase } from '../src/local/store/database';
import { nameParts } from '../src/local/store/people-names';
import { PeopleStore } from '../src/local/store/people-store';
import { MAX_EXAMINED_PER_PAGE, PersonPhotos, rebuildPersonPhotos } from '../src/local/store/person-photos';
import { PhotoStore } from '../src/local/store/photo-store';
import { mulberry32 } from './support/synthetic-faces';

const PERSONS = ['pa', 'pb', 'pc', 'pd'];

describe('local store: person photos and name search', () => {
  let dir: string;
  let db: Db;
  let photos: PhotoStore;
  let people: PeopleStore;
  let rand = mulberry32(7);
  /** Which persons each photo id holds, as written (the brute-force truth). */
  const truth = new Map<number, { persons: Set<string>; taken: string; smiles: Set<string> }>();

  const analysis = (faces: number, taken: string | null): AnalyzedPhoto => ({
    width: 800,
    height: 600,
    takenAt: taken,
    faces: Array.from({ length: faces }, (_, i) => ({
      box: { left: 10 + i * 100, top: 20, width: 80, height: 90 },
      confidence: 0.99,
      headPose: { yaw: 0, pitch: 0, roll: 0 },
      age: 30,
      gender: 'male' as const,
      quality: 0.9,
      sharpness: 0.9,
      attributes: { emotion: { value: rand() < 0.3 ? 'happiness' : 'none', confidence: 0.8 } },
      embedding: new Float32Array(128).fill(0.1),
    })),
  });

  beforeEach(() => {
    rand = mulberry32(7);
    truth.clear();
    dir = mkdtempSync(join(tmpdir(), 'fa-ask-'));
    db = openDatabase(join(dir, 'album.db'));
    photos = new PhotoStore(db);
    people = new PeopleStore(db, (p) => `oss://local/${p}`);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** n photos of 1–3 faces, a fifth undated, dates in 2020–2024 with ties; faces given to random persons. */
  function fill(n: number) {
    for (let i = 0; i < n; i++) {
      const taken =
        rand() < 0.2 ? null : `202${Math.floor(rand() * 5)}-0${1 + Math.floor(rand() * 9)}-01T00:00:00.000Z`;
      photos.saveAnalysis(`h${i}`, analysis(1 + Math.floor(rand() * 3), taken));
      photos.upsertPhoto(`p/${i}.jpg`, `h${i}`, { size: i, mtimeMs: i }, () => true);
    }
    const faces = photos.clusterFaceStates();
    const assignments = faces.map((f) => ({ faceId: f.id, personId: PERSONS[Math.floor(rand() * 4)]! }));
    people.applyClusterChanges({ createdPersons: PERSONS, assignments, emptiedPersons: [] });
    recomputeTruth();
  }

  function recomputeTruth() {
    truth.clear();
    const rows = db
      .prepare(
        `SELECT f.photo_id, f.person_id, COALESCE(a.taken_at, '') AS taken, af.attributes FROM faces f
        JOIN photos p ON p.id = f.photo_id JOIN analyses a ON a.hash = p.hash
        JOIN analysis_faces af ON af.hash = p.hash AND af.idx = f.idx WHERE f.person_id IS NOT NULL ORDER BY f.idx`,
      )
      .all() as { photo_id: number; person_id: string; taken: string; attributes: string }[];
    for (const r of rows) {
      const t = truth.get(r.photo_id) ?? { persons: new Set(), taken: r.taken, smiles: new Set() };
      // The table keeps the first face of a person on a photo (lowest idx): so does the truth.
      if (!t.persons.has(r.person_id) && JSON.parse(r.attributes).emotion.value === 'happiness')
        t.smiles.add(r.person_id);
      t.persons.add(r.person_id);
      truth.set(r.photo_id, t);
    }
  }

  const expected = (ids: string[], q: { from?: string; to?: string; smiling?: boolean } = {}) =>
    [...truth]
      .filter(([, t]) => ids.every((id) => t.persons.has(id)))
      .filter(([, t]) => (!q.from || t.taken >= q.from) && (!q.to || (t.taken !== '' && t.taken <= q.to)))
      .filter(([, t]) => !q.smiling || t.smiles.has(ids[0]!))
      .sort(([a, ta], [b, tb]) => (ta.taken === tb.taken ? b - a : ta.taken < tb.taken ? 1 : -1))
      .map(([id]) => id);

  function walk(
    ids: string[],
    q: { from?: string; to?: string; smiling?: boolean },
    limit: number,
    reader: PersonPhotos = people.photos,
    short: { pages: number } = { pages: 0 },
  ) {
    const out: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = reader.page(ids, {
        limit,
        cursor,
        from: q.from,
        to: q.to,
        attributes: q.smiling ? { emotion: 'happiness' } : undefined,
      });
      expect(page.ids.length).toBeLessThanOrEqual(limit);
      out.push(...page.ids);
      if (!page.nextCursor) return out;
      if (page.ids.length < limit) short.pages++;
      cursor = page.nextCursor;
    }
    throw new Error('did not end');
  }

  const snapshot = () => db.prepare('SELECT * FROM person_photos ORDER BY person_id, photo_id').all();

  it('keeps the person→photo table equal to a rebuild through indexing, clustering, merges, edits and removals', () => {
    fill(120);
    const check = () => {
      const kept = snapshot();
      rebuildPersonPhotos(db);
      expect(kept).toEqual(snapshot());
    };
    check();
    const faces = photos.clusterFaceStates();
    people.applyClusterChanges({
      createdPersons: [],
      assignments: faces.slice(0, 40).map((f, i) => ({ faceId: f.id, personId: i % 3 ? 'pb' : null })),
      emptiedPersons: [],
    });
    check();
    people.merge(['pc'], 'pa');
    check();
    people.rejectFace('pa', photos.clusterFaceStates().find((f) => f.personId === 'pa')!.id);
    check();
    for (let i = 0; i < 120; i += 7) photos.removePath(`p/${i}.jpg`);
    check();
    // A changed photo (new content at the same path) brings its new date and faces.
    photos.saveAnalysis('h-new', analysis(2, '2030-01-01T00:00:00.000Z'));
    photos.upsertPhoto('p/3.jpg', 'h-new', { size: 9999, mtimeMs: 1 }, () => true);
    check();
  });

  it('gives a data dir made before `shared` existed the column, its values and the current triggers on open', () => {
    fill(120);
    const want = snapshot();
    // As the previous version left it: no shared column nor its indexes, triggers that do not keep it.
    db.exec(`DROP INDEX person_photos_shared; DROP INDEX person_photos_shared_media; DROP INDEX person_photos_photo;
      ALTER TABLE person_photos DROP COLUMN shared;`);
    db.close();
    db = openDatabase(join(dir, 'album.db'));
    photos = new PhotoStore(db);
    people = new PeopleStore(db, (p) => `oss://local/${p}`);
    expect(snapshot()).toEqual(want);
    expect(want.some((r) => (r as { shared: number }).shared === 1)).toBe(true);
    // The triggers keep it from here on.
    people.merge(['pc'], 'pa');
    const kept = snapshot();
    rebuildPersonPhotos(db);
    expect(kept).toEqual(snapshot());
  });

  it('pages the photos of one, two and three people newest first, exactly as a brute-force intersection', () => {
    fill(300);
    for (const ids of [['pa'], ['pa', 'pb'], ['pb', 'pa'], ['pa', 'pb', 'pc'], ['pd', 'pc', 'pb']]) {
      const want = expected(ids);
      expect(want.length).toBeGreaterThan(ids.length === 3 ? 3 : 20);
      for (const limit of [1, 7, 100]) expect(walk(ids, {}, limit), `${ids} limit ${limit}`).toEqual(want);
      const range = { from: '2021-03-01T00:00:00.000Z', to: '2023-05-01T00:00:00.000Z' };
      expect(walk(ids, range, 5)).toEqual(expected(ids, range));
      expect(walk(ids, { to: range.to }, 5)).toEqual(expected(ids, { to: range.to }));
      expect(walk(ids, { from: range.from }, 5)).toEqual(expected(ids, { from: range.from }));
    }
    expect(walk(['pa'], { smiling: true }, 3)).toEqual(expected(['pa'], { smiling: true }));
    expect(expected(['pa'], { smiling: true }).length).toBeGreaterThan(5);
  });

  it('bounds the index reads of a page of several people, and the cursors still reach every shared photo', () => {
    fill(300);
    // 6 reads of 4 rows: far fewer than the lists' interleaving needs for a page of 7.
    const bounded = new PersonPhotos(db, { readsPerPage: 6, chunk: 4 });
    for (const ids of [
      ['pa', 'pb'],
      ['pa', 'pb', 'pc'],
      ['pd', 'pc', 'pb'],
    ]) {
      const short = { pages: 0 };
      expect(walk(ids, {}, 7, bounded, short), `${ids}`).toEqual(expected(ids));
      // Pages answered early, with a cursor, rather than walking on (the unbounded reader never does).
      expect(short.pages).toBeGreaterThan(0);
      const range = { from: '2021-03-01T00:00:00.000Z', to: '2023-05-01T00:00:00.000Z' };
      expect(walk(ids, range, 3, bounded)).toEqual(expected(ids, range));
    }
    const unbounded = { pages: 0 };
    walk(['pa', 'pb'], {}, 7, people.photos, unbounded);
    expect(unbounded.pages).toBe(0);
  });

  it('bounds the rows a rarely matching filter examines per page, and still reaches every match', () => {
    fill(20);
    // One person on many photos, only the oldest smiling.
    for (let i = 0; i < MAX_EXAMINED_PER_PAGE + 50; i++) {
      const smiling = i === 0;
      photos.saveAnalysis(`r${i}`, {
        ...analysis(1, `2019-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`),
        faces: analysis(1, null).faces.map((f) => ({
          ...f,
          attributes: { emotion: { value: smiling ? 'happiness' : 'none', confidence: 0.9 } },
        })),
      });
      photos.upsertPhoto(`r/${i}.jpg`, `r${i}`, { size: i, mtimeMs: i }, () => true);
    }
    const fresh = photos.clusterFaceStates().filter((f) => !f.personId);
    people.applyClusterChanges({
      createdPersons: ['solo'],
      assignments: fresh.map((f) => ({ faceId: f.id, personId: 'solo' })),
      emptiedPersons: [],
    });
    const first = people.photos.page(['solo'], { limit: 10, attributes: { emotion: 'happiness' } });
    expect(first.ids).toEqual([]);
    expect(first.nextCursor).not.toBeNull();
    const second = people.photos.page(['solo'], {
      limit: 10,
      cursor: first.nextCursor!,
      attributes: { emotion: 'happiness' },
    });
    expect(second.ids).toHaveLength(1);
  });

  it('seeks by index: no scan of the person→photo table, faces or people, no sort, for any query', () => {
    fill(200);
    people.update('pa', { name: 'Ålice' });
    const plan = (sql: string, ...args: unknown[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail);
    // The seek as the reader sends it (captured), not a copy of its text.
    const sent: string[] = [];
    const prepareSeek = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      sent.push(sql);
      return prepareSeek(sql);
    }) as typeof db.prepare;
    people.photos.page(['pa'], { limit: 3 });
    people.photos.page(['pa', 'pb'], { limit: 3 });
    db.prepare = prepareSeek;
    const [one, several] = [...new Set(sent.filter((s) => s.includes('(taken_key, photo_id) <=')))];
    // Covering: a read never touches the table's rows, only an index on (person, taken, photo); several
    // people read only the rows of photos holding two people or more (the partial index).
    for (const [sql, index] of [
      [one!, 'person_photos_taken'],
      [several!, 'person_photos_shared'],
    ] as const) {
      const seek = plan(sql, 'pa', '2022', 5, '', 128).join('\n');
      expect(seek).toMatch(new RegExp(`SEARCH person_photos USING COVERING INDEX ${index} \\(person_id=\\?`));
      expect(seek).not.toMatch(/SCAN|TEMP B-TREE/);
    }
    // Name search starts from the matching name parts, never from the list of people.
    const seen: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      seen.push(sql);
      return prepare(sql);
    }) as typeof db.prepare;
    people.list({ limit: 10, sort: 'imageCount', order: 'desc', hidden: 'exclude', q: 'ali' });
    db.prepare = prepare;
    const nameSql = seen.find((s) => s.includes('people_name_parts'))!;
    const namePlan = plan(nameSql, 'ali', 'ali', 11).join('\n');
    expect(namePlan).toMatch(/SEARCH np USING PRIMARY KEY \(part=\?\)/);
    expect(namePlan).not.toMatch(/SCAN (people|faces|photos)\b/);
  });

  it('finds names by any part, folding case, accents and full-width letters; CJK by single characters', () => {
    fill(40);
    people.update('pa', { name: 'Ålice Chávez' });
    people.update('pb', { name: '李娜 Ｂｏｂ' });
    people.update('pc', { name: 'Zoë' });
    const find = (q: string) =>
      people.list({ limit: 10, sort: 'name', order: 'asc', hidden: 'include', q }).items.map((p) => p.id);
    expect(find('ALI')).toEqual(['pa']);
    expect(find('chavez')).toEqual(['pa']);
    expect(find('娜')).toEqual(['pb']);
    expect(find('bob')).toEqual(['pb']);
    expect(find('zoe')).toEqual(['pc']);
    expect(find('e').sort()).toEqual(['pa', 'pc']);
    expect(find('x'.repeat(30))).toEqual([]);
    // Longer than a stored part: looked up by its first part, checked against the whole name.
    people.update('pd', { name: 'Maximilian Alexander von Habsburg-Lothringen' });
    expect(find('alexander von habsburg-lothr')).toEqual(['pd']);
    expect(find('alexander von habsburg-lothX')).toEqual([]);
    // Renamed and unnamed people leave no stale parts behind.
    people.update('pa', { name: null });
    expect(find('ali')).toEqual([]);
    expect(db.prepare(`SELECT COUNT(*) AS n FROM people_name_parts WHERE person_id = 'pa'`).get()).toEqual({
      n: 0,
    });
    expect(normalizeName('ＡＢＣ Ünïcödé')).toBe('abc unicode');
    expect(nameParts('abc').sort()).toEqual(['a', 'ab', 'abc', 'b', 'bc', 'c']);
  });

  it('picks the automatic cover sharp and frontal, eyes open, smiling when there is one', () => {
    const face = (left: number, quality: number, yaw: number, eyes: string, emotion: string) => ({
      ...analysis(1, null).faces[0]!,
      box: { left, top: 20, width: 80, height: 90 },
      quality,
      headPose: { yaw, pitch: 0, roll: 0 },
      attributes: {
        eyes: { value: eyes, confidence: 0.9 },
        emotion: { value: emotion, confidence: 0.9 },
      },
    });
    const shots = [
      face(1, 0.99, 25, 'open', 'none'), // sharpest, but turned
      face(2, 0.95, 2, 'closed', 'none'), // frontal, eyes closed
      face(3, 0.93, 4, 'open', 'none'), // frontal, eyes open
      face(4, 0.9, 6, 'open', 'happiness'), // frontal, eyes open, smiling
    ];
    const cover = () => people.get('solo')!.cover!.box!.left;
    const assign = () => {
      const fresh = photos.clusterFaceStates().filter((f) => !f.personId);
      people.applyClusterChanges({
        createdPersons: ['solo'],
        assignments: fresh.map((f) => ({ faceId: f.id, personId: 'solo' })),
        emptiedPersons: [],
      });
    };
    shots.slice(0, 3).forEach((f, i) => {
      photos.saveAnalysis(`c${i}`, { width: 800, height: 600, takenAt: null, faces: [f] });
      photos.upsertPhoto(`c/${i}.jpg`, `c${i}`, { size: i, mtimeMs: i }, () => true);
    });
    assign();
    expect(cover()).toBe(3);
    photos.saveAnalysis('c3', { width: 800, height: 600, takenAt: null, faces: [shots[3]!] });
    photos.upsertPhoto('c/3.jpg', 'c3', { size: 3, mtimeMs: 3 }, () => true);
    assign();
    expect(cover()).toBe(4);
    // Attributes arriving later (reanalyse, for an analysis made before they were read) move the cover
    // too: the smile turns out to be closed eyes.
    db.prepare(`UPDATE analysis_faces SET attributes = NULL WHERE hash = 'c3'`).run();
    photos.fillReanalysis(
      'c3',
      new Map([[0, { attributes: { eyes: { value: 'closed', confidence: 0.9 } } }]]),
    );
    expect(cover()).toBe(3);
  });
});

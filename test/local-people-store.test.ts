/**
 * People edits and clustering results through the real SQLite stores and the local backend (synthetic
 * embeddings stored as analyses; no engine): what the store hands the clusterer and what it keeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SyntheticAlbum } from './support/synthetic-album';
import { SyntheticIdentities } from './support/synthetic-faces';

let album: SyntheticAlbum;
afterEach(() => album?.close());

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('PeopleStore with the clusterer', () => {
  it('a named or hidden person keeps its id first when a full re-cluster joins it with a bigger one', async () => {
    const s = new SyntheticIdentities(31);
    const x = s.newIdentity(0);
    const y = s.newIdentity(0);
    album = new SyntheticAlbum();
    const xs = range(7).map((i) => album.addPhoto(`x/${i}.jpg`, `hx${i}`, [s.face(x)])[0]!);
    const ys = range(7).map((i) => album.addPhoto(`y/${i}.jpg`, `hy${i}`, [s.face(y)])[0]!);
    // Earlier passes split each identity in two (as incremental passes can); the user named the smaller
    // half of X and hid the smaller half of Y.
    const split = (faces: number[], big: string, small: string) =>
      faces.map((faceId, i) => ({ faceId, personId: i < 4 ? big : small }));
    album.people.applyClusterChanges({
      createdPersons: ['Cluster-x-big', 'Cluster-x-named', 'Cluster-y-big', 'Cluster-y-hidden'],
      assignments: [
        ...split(xs, 'Cluster-x-big', 'Cluster-x-named'),
        ...split(ys, 'Cluster-y-big', 'Cluster-y-hidden'),
      ],
      emptiedPersons: [],
    });
    album.people.update('Cluster-x-named', { name: 'Alice' });
    album.people.update('Cluster-y-hidden', { hidden: true });
    expect(album.people.clusterPersons()).toContainEqual({
      id: 'Cluster-x-named',
      mergedInto: null,
      userEdited: true,
    });

    await album.cluster(true);
    for (const f of xs) expect(album.personOf(f)).toBe('Cluster-x-named');
    for (const f of ys) expect(album.personOf(f)).toBe('Cluster-y-hidden');
    expect(album.people.get('Cluster-x-named')).toMatchObject({ name: 'Alice', faceCount: 7 });
    expect(album.people.get('Cluster-y-hidden')).toMatchObject({ hidden: true, faceCount: 7 });
    expect(album.people.get('Cluster-x-big')).toBeNull();
    expect(album.people.get('Cluster-y-big')).toBeNull();
  });

  it('a person whose photos were all deleted is gone after the first pass of a new process', async () => {
    const s = new SyntheticIdentities(32);
    const [x, y, z] = [s.newIdentity(0), s.newIdentity(0), s.newIdentity(0)];
    album = new SyntheticAlbum();
    const face = (id: number, name: string, i: number) =>
      album.addPhoto(`${name}/${i}.jpg`, `h${name}${i}`, [s.face(id)])[0]!;
    const xs = range(3).map((i) => face(x, 'x', i));
    const ys = range(3).map((i) => face(y, 'y', i));
    for (const i of range(3)) face(z, 'z', i);
    await album.cluster();
    const px = album.personOf(xs[0]!)!;
    const py = album.personOf(ys[0]!)!;
    expect(album.people.get(px)?.faceCount).toBe(3);
    album.people.update(py, { name: 'Bob' });

    // Photos deleted while no album ran; `scan` or `start` then removes them and clusters once.
    album.restart();
    for (const i of range(3)) {
      album.photos.removePath(`x/${i}.jpg`);
      album.photos.removePath(`y/${i}.jpg`);
    }
    await album.cluster();
    expect(album.people.get(px)).toBeNull();
    expect(album.db.prepare('SELECT COUNT(*) AS n FROM people WHERE id = ?').get(px)).toEqual({ n: 0 });
    // A named person is kept for when its photos come back, but is not shown meanwhile.
    expect(album.people.get(py)).toBeNull();
    expect(
      album.people.list({ limit: 50, sort: 'name', order: 'asc', hidden: 'include' }).items,
    ).toHaveLength(1);
    album.addPhoto('y/0.jpg', 'hy0', []);
    expect(album.people.get(py)).toMatchObject({ name: 'Bob', faceCount: 1 });
  });

  it('"not this person" takes the face out of every copy of the photo and keeps it out through re-clusters', async () => {
    const s = new SyntheticIdentities(33);
    const [x, y] = [s.newIdentity(0), s.newIdentity(0)];
    album = new SyntheticAlbum();
    const xs = range(4).map((i) => album.addPhoto(`x/${i}.jpg`, `hx${i}`, [s.face(x)])[0]!);
    range(4).map((i) => album.addPhoto(`y/${i}.jpg`, `hy${i}`, [s.face(y)])[0]!);
    const copy = album.addPhoto('backup/x/0.jpg', 'hx0', [])[0]!;
    await album.cluster();
    const px = album.personOf(xs[0]!)!;
    expect(album.personOf(copy)).toBe(px);

    album.people.rejectFace(px, copy);
    expect(album.personOf(copy)).toBeNull();
    expect(album.personOf(xs[0]!)).toBeNull();
    for (const full of [false, true]) {
      await album.cluster(full);
      expect(album.personOf(copy)).not.toBe(px);
      expect(album.personOf(xs[0]!)).not.toBe(px);
      expect(album.personOf(xs[1]!)).toBe(px);
    }
  });

  it('a merge pins both persons on the target, retires the other id and survives re-clusters', async () => {
    const s = new SyntheticIdentities(34);
    const [x, y] = [s.newIdentity(0), s.newIdentity(0)];
    album = new SyntheticAlbum();
    const xs = range(4).map((i) => album.addPhoto(`x/${i}.jpg`, `hx${i}`, [s.face(x)])[0]!);
    const ys = range(4).map((i) => album.addPhoto(`y/${i}.jpg`, `hy${i}`, [s.face(y)])[0]!);
    await album.cluster();
    const px = album.personOf(xs[0]!)!;
    const py = album.personOf(ys[0]!)!;
    album.people.merge([py], px);
    expect(album.people.get(py)).toBeNull();
    expect(album.people.clusterPersons()).toContainEqual({ id: py, mergedInto: px, userEdited: false });
    const pins = album.db
      .prepare('SELECT DISTINCT pinned_person_id AS p FROM faces')
      .all()
      .map((r) => (r as { p: string }).p);
    expect(pins).toEqual([px]);
    for (const full of [false, true]) {
      await album.cluster(full);
      for (const f of [...xs, ...ys]) expect(album.personOf(f)).toBe(px);
    }
    expect(album.people.get(px)).toMatchObject({ faceCount: 8 });
  });
});

describe('copies of one photo count as one photo', () => {
  /** 12 identities with 4 photos each and 6 one-off strangers, every photo copied 6 times (folders c0..c5). */
  function copiedAlbum(firstPass: 'all' | 'originals first') {
    const s = new SyntheticIdentities(35);
    album = new SyntheticAlbum();
    const people = range(12).map(() => s.newIdentity(0));
    const strangers = range(6).map(() => s.newIdentity(0));
    const contents = [
      ...people.flatMap((id, p) =>
        range(4).map((i) => ({ truth: `p${p}`, hash: `p${p}-${i}`, v: s.face(id, 0.6) })),
      ),
      ...strangers.map((id, k) => ({ truth: `s${k}`, hash: `s${k}`, v: s.face(id) })),
    ];
    const faces = new Map<string, number[]>();
    const add = (copies: number[]) => {
      for (const c of copies)
        for (const x of contents) {
          const [face] = album.addPhoto(`c${c}/${x.hash}.jpg`, x.hash, [x.v]);
          faces.set(x.truth, [...(faces.get(x.truth) ?? []), face!]);
        }
    };
    return { add, faces, firstPass };
  }

  for (const order of ['all', 'originals first'] as const)
    it(`gives one person per identity and none to strangers (${order})`, async () => {
      const { add, faces } = copiedAlbum(order);
      if (order === 'originals first') {
        add([0]);
        await album.cluster();
        add([1, 2, 3, 4, 5]);
      } else add([0, 1, 2, 3, 4, 5]);
      await album.cluster();
      const check = () => {
        const persons = album.people.list({ limit: 50, sort: 'name', order: 'asc', hidden: 'include' }).items;
        expect(persons).toHaveLength(12);
        for (let p = 0; p < 12; p++) {
          const ids = faces.get(`p${p}`)!.map((f) => album.personOf(f));
          expect(ids).toHaveLength(24);
          expect(new Set(ids), `p${p}`).toEqual(new Set([ids[0]]));
          // Every copy is listed in the person's photos.
          expect(album.people.photos.page([ids[0]!], { limit: 100 }).ids).toHaveLength(24);
        }
        for (let k = 0; k < 6; k++) for (const f of faces.get(`s${k}`)!) expect(album.personOf(f)).toBeNull();
      };
      check();
      await album.cluster(true);
      check();
    });
});

describe('clustering passes of the local backend', () => {
  it('run the full clustering again once the album grew by a quarter since the last full one', async () => {
    const s = new SyntheticIdentities(36);
    const x = s.newIdentity(0);
    album = new SyntheticAlbum();
    const lastPassWasFull = () =>
      (
        JSON.parse(
          (
            album.db.prepare('SELECT details FROM tasks ORDER BY rowid DESC LIMIT 1').get() as {
              details: string;
            }
          ).details,
        ) as { full: boolean }
      ).full;
    let n = 0;
    const add = (count: number) => {
      for (let i = 0; i < count; i++, n++) album.addPhoto(`x/${n}.jpg`, `hx${n}`, [s.face(x, 0.6)]);
    };
    add(8);
    await album.cluster();
    expect(lastPassWasFull()).toBe(true); // the first pass
    add(1); // 9 faces: +12.5 %
    await album.cluster();
    expect(lastPassWasFull()).toBe(false);
    add(1); // 10 faces: +25 % since the last full pass
    await album.cluster();
    expect(lastPassWasFull()).toBe(true);
    add(2); // 12 faces: +20 %
    album.restart();
    await album.cluster();
    expect(lastPassWasFull()).toBe(false);
    expect(
      album.people.list({ limit: 50, sort: 'name', order: 'asc', hidden: 'include' }).items,
    ).toHaveLength(1);
  });
});

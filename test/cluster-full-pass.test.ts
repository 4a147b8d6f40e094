/**
 * Rules of the full pass that placing faces one at a time does not have (person-clusterer.ts
 * isolatedGroups, strongJoin), the pin rule of a full pass, and the session's full passes for small
 * albums. Default (faces-dev-tuned) thresholds; hand-placed vectors at exact distances: a face at
 * centre + r·(axis k) is r·√2 from the face on another axis.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterFace, ClusterPerson } from '../src/local/cluster/cluster-types';
import { clusteringSession } from '../src/local/cluster/clustering-session';
import { PersonClusterer } from '../src/local/cluster/person-clusterer';
import type { ClusterSource } from '../src/local/local-backend';
import { clusterFace, idCounter, TightGroups } from './support/synthetic-faces';

const groups = new TightGroups(5, 0.01);
let nextId = 1;

function face(embedding: Float32Array, extra: Partial<ClusterFace> = {}): ClusterFace {
  const id = nextId++;
  return clusterFace(id, id, embedding, extra);
}

/** `centre` moved by `r` along each of the given axes (one unit vector per axis). */
function onAxes(centre: Float32Array, r: number, ...axes: number[]): Float32Array {
  const v = Float32Array.from(centre);
  for (const a of axes) v[a]! += r;
  return v;
}

const counter = () => idCounter('Cluster-t');

/** Three photos of someone, 0.53 apart (over the 0.52 link of the main pass, under the 0.55 second pass). */
function spreadTrio(centre: Float32Array): ClusterFace[] {
  return [0, 1, 2].map((axis) => face(onAxes(centre, 0.375, axis)));
}

describe('full pass: small groups that stand apart', () => {
  it('become a person only in a full pass, only when on, and only when nobody crowds them', () => {
    const trio = spreadTrio(groups.centre(1));
    const others = [0, 1, 2].map(() => face(groups.face(0)));

    const c = new PersonClusterer({ newPersonId: counter() });
    c.addFaces([...others, ...trio]);
    expect(trio.map((f) => c.personOf(f.id))).toEqual([null, null, null]); // one at a time: no
    c.recluster();
    const [p] = new Set(trio.map((f) => c.personOf(f.id)));
    expect(p).not.toBeNull();
    expect(new Set(trio.map((f) => c.personOf(f.id))).size).toBe(1);
    expect(c.recluster().assignments).toEqual([]); // and it keeps its id, like any group

    const off = new PersonClusterer({ newPersonId: counter(), isolatedGroups: null });
    off.addFaces([...others, ...trio]);
    off.recluster();
    expect(trio.map((f) => off.personOf(f.id))).toEqual([null, null, null]);

    // Each member has a face of someone else 0.3 away: the trio no longer stands apart.
    const crowd = [0, 1, 2].map((axis) =>
      face(onAxes(onAxes(groups.centre(1), 0.375, axis), 0.3, 10 + axis), { clusterable: false }),
    );
    const crowded = new PersonClusterer({ newPersonId: counter() });
    crowded.addFaces([...others, ...trio, ...crowd]);
    crowded.recluster();
    expect(trio.map((f) => crowded.personOf(f.id))).toEqual([null, null, null]);
  });
});

describe('full pass: strong joins', () => {
  // A spread person: ten photos 0.51 apart; a new photo 0.57 from each (link 0.57, past attachThreshold).
  const centre = groups.centre(2);
  const members = () => Array.from({ length: 10 }, (_, axis) => face(onAxes(centre, 0.36, axis)));
  const late = () => face(onAxes(centre, 0.44, 20));

  it('a face whose neighbourhood is all one person joins it past attachThreshold, in a full pass only', () => {
    const ms = members();
    const x = late();
    // Off by default (README: it did not carry over to the held-out part); the rule itself is kept, tested here.
    const c = new PersonClusterer({ newPersonId: counter(), strongJoin: { link: 0.6, ratio: 0.75 } });
    c.addFaces(ms);
    const [p] = c.personIds();
    expect(c.membersOf(p!)).toHaveLength(10);
    c.addFaces([x]);
    expect(c.personOf(x.id)).toBeNull();
    c.recluster();
    expect(c.personOf(x.id)).toBe(p);

    const off = new PersonClusterer({ newPersonId: counter(), strongJoin: null });
    off.addFaces([...members(), late()]);
    off.recluster();
    expect(off.personIds()).toHaveLength(1);
    expect(off.personOf(nextId - 1)).toBeNull();
  });

  it('not when other people are as near', () => {
    const x = late();
    const near = [0, 1, 2, 3].map((k) => face(onAxes(x.embedding, 0.5, 30 + k), { clusterable: false }));
    const c = new PersonClusterer({ newPersonId: counter() });
    c.addFaces([...members(), x, ...near]);
    c.recluster();
    expect(c.personIds()).toHaveLength(1);
    expect(c.personOf(x.id)).toBeNull();
  });
});

describe('full pass: pins', () => {
  it('a face moved by hand stays where it was put without pulling its look-alikes along', () => {
    const a = [0, 1, 2, 3].map(() => face(groups.face(3), { personId: 'Cluster-a' }));
    const b = [0, 1, 2].map(() => face(groups.face(4), { personId: 'Cluster-b' }));
    // The user gave a's first face to b (assignFace: person and pin).
    a[0] = { ...a[0]!, personId: 'Cluster-b', pinnedPersonId: 'Cluster-b' };
    const persons: ClusterPerson[] = [
      { id: 'Cluster-a', mergedInto: null },
      { id: 'Cluster-b', mergedInto: null, userEdited: true },
    ];
    const c = new PersonClusterer({ newPersonId: counter() });
    c.load([...a, ...b], persons);
    expect(c.recluster().assignments).toEqual([]);
    expect(c.membersOf('Cluster-a').sort()).toEqual(a.slice(1).map((f) => f.id));
    expect(c.membersOf('Cluster-b').sort()).toEqual([a[0]!.id, ...b.map((f) => f.id)].sort((x, y) => x - y));
  });
});

describe('clustering session: full passes while the album is small', () => {
  class Store implements ClusterSource {
    faces = new Map<number, ClusterFace>();
    people: string[] = [];
    faceStates() {
      return [...this.faces.values()].map(({ embedding: _e, ...s }) => s);
    }
    embeddings(ids: number[]) {
      return new Map(ids.map((id) => [id, this.faces.get(id)!.embedding]));
    }
    persons() {
      return this.people.map((id) => ({ id, mergedInto: null }));
    }
  }

  for (const fullBelowFaces of [undefined, 0]) {
    it(`a group that only a full pass finds is found by the next scan${fullBelowFaces === 0 ? ' (not with fullBelowFaces 0)' : ''}`, () => {
      const store = new Store();
      const session = clusteringSession({}, fullBelowFaces === undefined ? {} : { fullBelowFaces });
      const run = () => {
        const ch = session.cluster({ source: store, full: false }) as {
          assignments: { faceId: number; personId: string | null }[];
          createdPersons: string[];
        };
        for (const x of ch.assignments) store.faces.get(x.faceId)!.personId = x.personId;
        store.people.push(...ch.createdPersons);
        session.committed!();
      };
      for (const f of [0, 1, 2].map(() => face(groups.face(6)))) store.faces.set(f.id, f);
      run(); // the first pass is full anyway (no person yet)
      expect(store.people).toHaveLength(1);
      const trio = spreadTrio(groups.centre(7));
      for (const f of trio) store.faces.set(f.id, f);
      run();
      const found = trio.map((f) => store.faces.get(f.id)!.personId);
      if (fullBelowFaces === 0) expect(found).toEqual([null, null, null]);
      else expect(new Set(found).size === 1 && found[0] !== null).toBe(true);
    });
  }
});

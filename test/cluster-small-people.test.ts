/**
 * Founding evidence that grows with crowding (ClustererOptions.smallPeople): a person of few photos stands
 * only when it stands apart from the faces around it. Hand-placed vectors at exact distances: faces at
 * centre + a·(axis i) and centre + b·(axis j) are √(a² + b²) apart.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterFace } from '../src/local/cluster/cluster-types';
import { type ClustererOptions, PersonClusterer } from '../src/local/cluster/person-clusterer';
import { clusterFace, idCounter, movedAlong, TightGroups } from './support/synthetic-faces';

const groups = new TightGroups(17, 0.01);
const RULE: Partial<ClustererOptions> = { smallPeople: { below: 5, ratio: 1 } };
let nextId = 1;

function face(embedding: Float32Array, extra: Partial<ClusterFace> = {}): ClusterFace {
  const id = nextId++;
  return clusterFace(id, id, embedding, extra);
}

const counter = () => idCounter('Cluster-s');

/**
 * The pattern of issue 17: two alike photos of one stranger (0.30 apart) and one photo of a look-alike
 * (0.45 from both): the link (0.45) is under the groups' 0.52 and every face passes the ratio test.
 */
function mixedTrio(centre: Float32Array, extra: Partial<ClusterFace> = {}): ClusterFace[] {
  return [
    face(movedAlong(centre, [[0, 0.21]]), extra),
    face(movedAlong(centre, [[1, 0.21]]), extra),
    face(movedAlong(centre, [[2, 0.4]]), extra),
  ];
}

/** One face of someone else `r` from each member (never founding: not clusterable). */
function crowd(trio: ClusterFace[], r: number): ClusterFace[] {
  return trio.map((m, i) => face(movedAlong(m.embedding, [[10 + i, r]]), { clusterable: false }));
}

const people = (c: PersonClusterer, fs: ClusterFace[]) => new Set(fs.map((f) => c.personOf(f.id)));

describe('small people must stand apart (full pass)', () => {
  it('a 2 + 1 trio with other faces nearer than its own spread is no person; without the rule it is', () => {
    const far = [0, 1, 2].map(() => face(groups.face(0)));
    const trio = mixedTrio(groups.centre(1));
    const near = crowd(trio, 0.4);

    const on = new PersonClusterer({ newPersonId: counter(), ...RULE });
    on.load([...far, ...trio, ...near], []);
    on.recluster();
    expect(people(on, trio)).toEqual(new Set([null]));
    expect(on.personIds()).toHaveLength(1); // the far, tight trio still is one

    const off = new PersonClusterer({ newPersonId: counter(), smallPeople: null });
    off.load([...far, ...trio, ...near], []);
    off.recluster();
    const [p, ...rest] = people(off, trio);
    expect(p).not.toBeNull();
    expect(rest).toEqual([]);
  });

  it('the evidence grows with crowding: the same trio stands when the other faces are farther', () => {
    const trio = mixedTrio(groups.centre(2));
    const c = new PersonClusterer({ newPersonId: counter(), ...RULE });
    c.load([...trio, ...crowd(trio, 0.55)], []);
    c.recluster();
    const [p, ...rest] = people(c, trio);
    expect(p).not.toBeNull();
    expect(rest).toEqual([]);
  });

  it('a person founded before the crowd came is dissolved by the next full pass', () => {
    const trio = mixedTrio(groups.centre(3));
    const c = new PersonClusterer({ newPersonId: counter(), ...RULE });
    c.addFaces(trio);
    const [p] = c.personIds();
    expect(p).toBeDefined();
    c.addFaces(crowd(trio, 0.4));
    const changes = c.recluster();
    expect(people(c, trio)).toEqual(new Set([null]));
    expect(changes.emptiedPersons).toEqual([p]);
  });

  it('a person a user edited is kept however crowded', () => {
    const trio = mixedTrio(groups.centre(4), { personId: 'Cluster-named' });
    const c = new PersonClusterer({ newPersonId: counter(), ...RULE });
    c.load([...trio, ...crowd(trio, 0.4)], [{ id: 'Cluster-named', mergedInto: null, userEdited: true }]);
    c.recluster();
    expect(people(c, trio)).toEqual(new Set(['Cluster-named']));
  });

  it('5 photos or more are not held to it', () => {
    const centre = groups.centre(5);
    const five = [0, 1, 2, 3, 4].map((axis) => face(movedAlong(centre, [[axis, 0.3]])));
    const c = new PersonClusterer({ newPersonId: counter(), ...RULE });
    c.load([...five, ...crowd(five, 0.35)], []);
    c.recluster();
    expect(people(c, five).size).toBe(1);
    expect(c.personOf(five[0]!.id)).not.toBeNull();
  });
});

describe('small people must stand apart (placing one face at a time)', () => {
  it('waiting faces in a crowd found no person; without the rule they do', () => {
    const make = (opts: Partial<ClustererOptions>) => {
      const trio = mixedTrio(groups.centre(6));
      const c = new PersonClusterer({ newPersonId: counter(), ...opts });
      c.addFaces(crowd(trio, 0.4));
      for (const f of trio) c.addFaces([f]);
      return people(c, trio);
    };
    expect(make(RULE)).toEqual(new Set([null]));
    const off = make({ smallPeople: null });
    expect(off.size).toBe(1);
    expect(off.has(null)).toBe(false);
  });
});

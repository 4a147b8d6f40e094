/**
 * Isolated groups in a crowd (ClustererOptions.isolatedGroups.crowd): a group of leftover faces that stands
 * apart becomes a person only when few faces no person holds lie around it. Hand-placed vectors at exact
 * distances: faces at centre + a·(axis i) and centre + b·(axis j) are √(a² + b²) apart.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterFace } from '../src/local/cluster/cluster-types';
import { type ClustererOptions, PersonClusterer } from '../src/local/cluster/person-clusterer';
import { clusterFace, idCounter, movedAlong, TightGroups } from './support/synthetic-faces';

const groups = new TightGroups(23, 0.01);
const ISOLATED = { threshold: 0.55, ratio: 1.08 };
const RULE: Partial<ClustererOptions> = { isolatedGroups: { ...ISOLATED, crowd: 3 } };
const NO_LIMIT: Partial<ClustererOptions> = { isolatedGroups: ISOLATED };
let nextId = 1;

function face(embedding: Float32Array, extra: Partial<ClusterFace> = {}): ClusterFace {
  const id = nextId++;
  return clusterFace(id, id, embedding, extra);
}

const counter = () => idCounter('Cluster-c');

/**
 * Three faces 0.53 apart (0.375 from the centre along three axes): over the groups' 0.52, so no person by
 * the main rule, under the isolated groups' 0.55 — three look-alike one-off faces, or a spread 3-photo person.
 */
function spreadTrio(centre: Float32Array, extra: Partial<ClusterFace> = {}): ClusterFace[] {
  return [0, 1, 2].map((axis) => face(movedAlong(centre, [[axis, 0.375]]), extra));
}

/**
 * `n` one-off faces (not clusterable, so they found nothing), each 0.52 from one member of the trio and
 * 0.74 from the others: inside the isolated groups' 0.55, yet the trio still stands apart (0.53 ≤ 1.08 × 0.52).
 */
function oneOffs(trio: ClusterFace[], n: number): ClusterFace[] {
  return Array.from({ length: n }, (_, i) =>
    face(movedAlong(trio[i % 3]!.embedding, [[10 + i, 0.52]]), { clusterable: false }),
  );
}

const people = (c: PersonClusterer, fs: ClusterFace[]) => new Set(fs.map((f) => c.personOf(f.id)));

function fullPass(faces: ClusterFace[], opts: Partial<ClustererOptions>): PersonClusterer {
  const c = new PersonClusterer({ newPersonId: counter(), ...opts });
  c.load(faces, []);
  c.recluster();
  return c;
}

describe('isolated groups in a crowd', () => {
  it('a trio among 4 unexplained faces is no person; without the limit it is one', () => {
    const trio = spreadTrio(groups.centre(0));
    const crowd = oneOffs(trio, 4);
    expect(people(fullPass([...trio, ...crowd], RULE), trio)).toEqual(new Set([null]));
    const off = [...people(fullPass([...trio, ...crowd], NO_LIMIT), trio)];
    expect(off).toHaveLength(1);
    expect(off[0]).not.toBeNull();
  });

  it('the evidence grows with the crowd: the same trio among 3 unexplained faces is a person', () => {
    const trio = spreadTrio(groups.centre(1));
    const on = [...people(fullPass([...trio, ...oneOffs(trio, 3)], RULE), trio)];
    expect(on).toHaveLength(1);
    expect(on[0]).not.toBeNull();
  });

  it('faces a person holds are no crowd', () => {
    const trio = spreadTrio(groups.centre(2));
    // Four photos of one person, each 0.52 from a member of the trio (as the one-offs above), tight
    // among themselves (0.2 apart): they found their own person and do not count.
    const person = [0, 1, 2, 3].map((i) =>
      face(
        movedAlong(trio[0]!.embedding, [
          [10, 0.51],
          [20 + i, 0.141],
        ]),
      ),
    );
    const c = fullPass([...trio, ...person], RULE);
    expect(people(c, person).size).toBe(1);
    const [p, ...rest] = people(c, trio);
    expect(p).not.toBeNull();
    expect(rest).toEqual([]);
    expect(p).not.toBe(c.personOf(person[0]!.id));
  });

  it('heals: a person founded before the crowd came is dissolved by the next full pass', () => {
    const trio = spreadTrio(groups.centre(3));
    const c = new PersonClusterer({ newPersonId: counter(), ...RULE });
    c.load(trio, []);
    c.recluster();
    const [p] = c.personIds();
    expect(p).toBeDefined();
    c.addFaces(oneOffs(trio, 4));
    const changes = c.recluster();
    expect(people(c, trio)).toEqual(new Set([null]));
    expect(changes.emptiedPersons).toEqual([p]);
  });

  it('a person a user edited is kept however crowded', () => {
    const trio = spreadTrio(groups.centre(4), { personId: 'Cluster-named' });
    const c = new PersonClusterer({ newPersonId: counter(), ...RULE });
    c.load([...trio, ...oneOffs(trio, 6)], [{ id: 'Cluster-named', mergedInto: null, userEdited: true }]);
    c.recluster();
    expect(people(c, trio)).toEqual(new Set(['Cluster-named']));
  });
});

/**
 * Joins to a large person judged against its own spread near the joining face (ClustererOptions.localSpread).
 * Hand-placed vectors at exact distances: faces at centre + a·(axis i) and centre + b·(axis j) are
 * √(a² + b²) apart.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterFace } from '../src/local/cluster/cluster-types';
import { type ClustererOptions, PersonClusterer } from '../src/local/cluster/person-clusterer';
import { clusterFace, idCounter, movedAlong, TightGroups } from './support/synthetic-faces';

const groups = new TightGroups(23, 0.01);
const RULE: Partial<ClustererOptions> = { localSpread: { minPhotos: 5, ratio: 1.3, trim: false } };
let nextId = 1;

function face(embedding: Float32Array, extra: Partial<ClusterFace> = {}): ClusterFace {
  const id = nextId++;
  return clusterFace(id, id, embedding, extra);
}

const counter = () => idCounter('Cluster-l');

/**
 * A spread person of 10 photos: 5 pairs of alike photos (0.25 apart), the pairs ~0.47–0.50 from each
 * other; every member's nearest co-member is 0.25 away.
 */
function spreadPerson(centre: Float32Array): ClusterFace[] {
  return [0, 1, 2, 3, 4].flatMap((k) => [
    face(
      movedAlong(centre, [
        [k, 0.33],
        [40 + k, 0.125],
      ]),
    ),
    face(
      movedAlong(centre, [
        [k, 0.33],
        [40 + k, -0.125],
      ]),
    ),
  ]);
}

/** A stranger near the person's middle: 0.53 from every member, so its average link (0.53) is under 0.54. */
const stranger = (centre: Float32Array) => face(movedAlong(centre, [[20, 0.395]]));
/** Another photo of the person, beside one of its pairs. */
const genuine = (centre: Float32Array) =>
  face(
    movedAlong(centre, [
      [0, 0.33],
      [40, 0.125],
      [60, 0.2],
    ]),
  );

function person(opts: Partial<ClustererOptions>, centre: Float32Array) {
  const members = spreadPerson(centre);
  const c = new PersonClusterer({ newPersonId: counter(), ...opts });
  c.load(members, []);
  c.recluster();
  const ps = c.personIds();
  expect(ps).toHaveLength(1);
  expect(c.membersOf(ps[0]!)).toHaveLength(10);
  return { c, p: ps[0]!, members };
}

describe('joins judged against the person’s spread near the face', () => {
  it('full pass: a stranger nearer the middle than the link threshold stays out; a new photo joins', () => {
    const centre = groups.centre(1);
    for (const [opts, strangerIn] of [
      [RULE, false],
      [{ localSpread: null }, true],
    ] as const) {
      const members = spreadPerson(centre);
      const x = stranger(centre);
      const g = genuine(centre);
      const c = new PersonClusterer({ newPersonId: counter(), ...opts });
      c.load([...members, x, g], []);
      c.recluster();
      const p = c.personOf(members[0]!.id);
      expect(c.membersOf(p!)).toContain(members[9]!.id);
      expect(c.personOf(x.id)).toBe(strangerIn ? p : null);
      expect(c.personOf(g.id)).toBe(p);
    }
  });

  it('one face at a time: the same', () => {
    const centre = groups.centre(2);
    for (const [opts, strangerIn] of [
      [RULE, false],
      [{ localSpread: null }, true],
    ] as const) {
      const { c, p } = person(opts, centre);
      const x = stranger(centre);
      const g = genuine(centre);
      c.addFaces([x]);
      c.addFaces([g]);
      expect(c.personOf(x.id)).toBe(strangerIn ? p : null);
      expect(c.personOf(g.id)).toBe(p);
    }
  });

  it('persons of fewer than minPhotos photos are not held to it', () => {
    const centre = groups.centre(3);
    const members = spreadPerson(centre);
    const x = stranger(centre);
    const c = new PersonClusterer({
      newPersonId: counter(),
      localSpread: { minPhotos: 11, ratio: 1.3, trim: false },
    });
    c.load([...members, x], []);
    c.recluster();
    expect(c.personOf(x.id)).toBe(c.personOf(members[0]!.id));
  });
});

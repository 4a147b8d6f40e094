import { describe, expect, it } from 'vitest';
import { agglomerate, type SeedGroup } from '../src/local/cluster/agglomerate';
import { CentroidStats } from '../src/local/cluster/centroid-stats';
import { matchGroupsToPersons } from '../src/local/cluster/match-persons';
import { VectorIndex } from '../src/local/cluster/vector-index';
import { euclid, SyntheticIdentities } from './support/synthetic-faces';

function seed(id: number, photo: number, v: Float32Array, pinned: string | null = null): SeedGroup {
  const stats = new CentroidStats(v.length);
  stats.add(v);
  return { faceIds: [id], stats, photoIds: new Set([photo]), pinnedPersonId: pinned, rejected: new Set() };
}

function at(x: number, dim = 4): Float32Array {
  const v = new Float32Array(dim);
  v[0] = x;
  return v;
}

describe('centroid stats', () => {
  it('gives the exact RMS distance over all member pairs', () => {
    const s = new SyntheticIdentities(3);
    const id = s.newIdentity();
    const a = [s.face(id), s.face(id), s.face(id)];
    const b = [s.face(id), s.face(id)];
    const sa = new CentroidStats(128);
    const sb = new CentroidStats(128);
    for (const v of a) sa.add(v);
    for (const v of b) sb.add(v);
    let sq = 0;
    for (const x of a) for (const y of b) sq += euclid(x, y) ** 2;
    expect(sa.linkTo(sb)).toBeCloseTo(Math.sqrt(sq / 6), 5);
    let sqp = 0;
    for (const x of a) sqp += euclid(x, b[0]!) ** 2;
    expect(sa.linkToPoint(b[0]!)).toBeCloseTo(Math.sqrt(sqp / 3), 5);
    sa.remove(a[2]!);
    expect(sa.linkToPoint(a[2]!)).toBeCloseTo(
      Math.sqrt((euclid(a[0]!, a[2]!) ** 2 + euclid(a[1]!, a[2]!) ** 2) / 2),
      5,
    );
  });
});

describe('one-face stats', () => {
  it('borrowed one-face sets absorb and link like built ones', () => {
    const s = new SyntheticIdentities(4);
    const id = s.newIdentity();
    const [a, b, c] = [s.face(id), s.face(id), s.face(id)];
    const built = new CentroidStats(128);
    for (const v of [a, b]) built.add(v);
    const merged = CentroidStats.of(a);
    merged.absorb(CentroidStats.of(b));
    expect(merged.n).toBe(2);
    expect(merged.linkToPoint(c)).toBeCloseTo(built.linkToPoint(c), 6);
    expect(CentroidStats.of(c).linkTo(merged)).toBeCloseTo(built.linkToPoint(c), 6);
    // The borrowed vector is never written to.
    const copy = Float32Array.from(a);
    const one = CentroidStats.of(a);
    one.add(b);
    expect(Array.from(a)).toEqual(Array.from(copy));
  });
});

describe('agglomerate', () => {
  it('does not chain along a line of close pairs (average, not single linkage)', () => {
    // Points 0.4 apart on a line: single linkage at 0.5 would join all six.
    const seeds = [0, 1, 2, 3, 4, 5].map((i) => seed(i, i, at(i * 0.4)));
    const edges: [number, number][] = [];
    for (let i = 0; i < 5; i++) edges.push([i, i + 1]);
    const groups = agglomerate(seeds, edges, 0.5);
    expect(groups.length).toBeGreaterThan(2);
    for (const g of groups) expect(g.faceIds.length).toBeLessThanOrEqual(2);
  });

  it('respects same-photo and pin constraints', () => {
    const seeds = [
      seed(1, 10, at(0)),
      seed(2, 10, at(0.01)),
      seed(3, 11, at(0.02), 'P'),
      seed(4, 12, at(0.03), 'Q'),
    ];
    const groups = agglomerate(
      seeds,
      [
        [0, 1],
        [0, 2],
        [1, 2],
        [2, 3],
        [0, 3],
        [1, 3],
      ],
      0.5,
    );
    for (const g of groups) {
      const ids = new Set(g.faceIds);
      expect(ids.has(1) && ids.has(2)).toBe(false);
      expect(ids.has(3) && ids.has(4)).toBe(false);
    }
  });
});

describe('matchGroupsToPersons', () => {
  it('gives each old person to the group holding most of its faces, once', () => {
    const m = matchGroupsToPersons(
      [
        ['P', 'P', 'Q', null],
        ['P', 'P', 'P'],
        [null, null, null],
        ['Q', 'M'],
      ],
      new Set(['M']),
    );
    expect(m).toEqual([null, 'P', null, 'Q']);
  });
});

describe('VectorIndex', () => {
  it('finds nearest faces with euclidean distances, forgets removed ones, and survives compaction', () => {
    const idx = new VectorIndex({ dim: 4, m: 8, efConstruction: 40, efSearch: 32, seed: 1 }, 16);
    for (let i = 0; i < 10000; i++) idx.add(i, at(i));
    expect(idx.search(at(5.2), 2).map((n) => n.id)).toEqual([5, 6]);
    expect(idx.search(at(5.2), 1)[0]!.distance).toBeCloseTo(0.2, 5);
    for (let i = 0; i < 9990; i++) idx.remove(i);
    expect(idx.size).toBe(10);
    expect(idx.search(at(0), 3).map((n) => n.id)).toEqual([9990, 9991, 9992]);
  });
});

describe('matchGroupsToPersons with user-edited persons', () => {
  it('lets a named person keep its id even where an unnamed one overlaps more', () => {
    // Group 0 holds 3 faces of P and 2 of N; group 1 holds 1 face of N. N is named.
    const m = matchGroupsToPersons([['P', 'P', 'P', 'N', 'N'], ['N']], new Set(), new Set(['N']));
    expect(m).toEqual(['N', null]);
    expect(matchGroupsToPersons([['P', 'P', 'P', 'N', 'N'], ['N']], new Set())).toEqual(['P', 'N']);
  });
});

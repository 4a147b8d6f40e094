/** The clusterer's vector index: exact below FLAT_MAX (no hnswlib graph), HNSW above, the same answers. */
import { describe, expect, it } from 'vitest';
import { FLAT_MAX, VectorIndex } from '../src/local/cluster/vector-index';
import { mulberry32 } from './support/synthetic-faces';

const DIM = 32;
const rnd = mulberry32(7);
const vec = () => Float32Array.from({ length: DIM }, () => rnd() * 2 - 1);
const opts = { dim: DIM, m: 16, efConstruction: 200, efSearch: 200, seed: 1 };

/** Brute force over what the index should hold. */
function exact(all: Map<number, Float32Array>, q: Float32Array, k: number, filter?: (id: number) => boolean) {
  return [...all]
    .filter(([id]) => !filter || filter(id))
    .map(([id, v]) => ({ id, distance: Math.hypot(...v.map((x, i) => x - q[i]!)) }))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, k)
    .map((n) => n.id);
}

describe('VectorIndex', () => {
  it('answers exactly while flat, keeps answering across the switch to a graph and back after removals', () => {
    const index = new VectorIndex(opts);
    const all = new Map<number, Float32Array>();
    const check = () => {
      for (let t = 0; t < 20; t++) {
        const q = vec();
        expect(index.search(q, 5).map((n) => n.id)).toEqual(exact(all, q, 5));
        const even = (id: number) => id % 2 === 0;
        expect(index.search(q, 3, even).map((n) => n.id)).toEqual(exact(all, q, 3, even));
      }
    };
    for (let id = 0; id < FLAT_MAX; id++) all.set(id, vec());
    for (const [id, v] of all) index.add(id, v);
    check();
    const d = index.search(all.get(3)!, 1)[0]!;
    expect(d).toEqual({ id: 3, distance: 0 });
    // Past FLAT_MAX: an HNSW graph (efSearch 200 over ~1k points answers these exactly too).
    for (let id = FLAT_MAX; id < FLAT_MAX + 600; id++) {
      all.set(id, vec());
      index.add(id, all.get(id)!);
    }
    expect(index.size).toBe(FLAT_MAX + 600);
    check();
    for (let id = 0; id < 300; id++) {
      all.delete(id);
      index.remove(id);
    }
    expect(index.has(10)).toBe(false);
    check();
  });
});

import hnswlib from 'hnswlib-node';

/**
 * A growable HNSW index over face embeddings keyed by face id, returning euclidean (not squared) distances.
 * Removal is a tombstone (hnswlib markDelete); re-adding the same id reuses its slot, so the index holds
 * at most one slot per face id ever seen.
 */
export interface IndexOptions {
  dim: number;
  /** HNSW graph degree. */
  m: number;
  efConstruction: number;
  efSearch: number;
  seed: number;
}

export interface Neighbor {
  id: number;
  distance: number;
}

export class VectorIndex {
  private readonly index: hnswlib.HierarchicalNSW;
  private readonly live = new Set<number>();

  constructor(private readonly opts: IndexOptions, initialCapacity = 1024) {
    this.index = new hnswlib.HierarchicalNSW('l2', opts.dim);
    this.index.initIndex({ maxElements: Math.max(16, initialCapacity), m: opts.m, efConstruction: opts.efConstruction, randomSeed: opts.seed });
    this.index.setEf(opts.efSearch);
  }

  get size(): number {
    return this.live.size;
  }

  has(id: number): boolean {
    return this.live.has(id);
  }

  add(id: number, vector: Float32Array): void {
    if (this.live.has(id)) return;
    if (this.index.getCurrentCount() >= this.index.getMaxElements()) {
      this.index.resizeIndex(this.index.getMaxElements() * 2);
    }
    this.index.addPoint(Array.from(vector), id);
    this.live.add(id);
  }

  remove(id: number): void {
    if (!this.live.delete(id)) return;
    this.index.markDelete(id);
  }

  /** Up to k nearest live faces, nearest first, optionally only those passing `filter`. */
  search(vector: Float32Array | number[], k: number, filter?: (id: number) => boolean): Neighbor[] {
    if (this.live.size === 0 || k <= 0) return [];
    const kk = Math.min(k, this.live.size, this.index.getMaxElements());
    const query = Array.isArray(vector) ? vector : Array.from(vector);
    const res = filter ? this.index.searchKnn(query, kk, filter) : this.index.searchKnn(query, kk);
    const out: Neighbor[] = [];
    for (let i = 0; i < res.neighbors.length; i++) {
      out.push({ id: res.neighbors[i]!, distance: Math.sqrt(Math.max(0, res.distances[i]!)) });
    }
    return out;
  }
}

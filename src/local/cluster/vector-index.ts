import hnswlib from 'hnswlib-node';

/**
 * A growable HNSW index over face embeddings keyed by face id, returning euclidean (not squared) distances.
 * Removal is a tombstone (hnswlib markDelete); re-adding the same id reuses its slot. Searching a graph
 * that is mostly tombstones is slow, so the index rebuilds itself from the live vectors once tombstones
 * outnumber live points (e.g. the waiting-faces index right after a re-cluster).
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
  private index: hnswlib.HierarchicalNSW;
  private readonly live = new Map<number, Float32Array>();

  constructor(
    private readonly opts: IndexOptions,
    initialCapacity = 1024,
  ) {
    this.index = this.create(initialCapacity);
  }

  private create(capacity: number): hnswlib.HierarchicalNSW {
    const index = new hnswlib.HierarchicalNSW('l2', this.opts.dim);
    index.initIndex({
      maxElements: Math.max(16, capacity),
      m: this.opts.m,
      efConstruction: this.opts.efConstruction,
      randomSeed: this.opts.seed,
    });
    index.setEf(this.opts.efSearch);
    return index;
  }

  setEf(ef: number): void {
    this.index.setEf(ef);
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
    this.live.set(id, vector);
  }

  remove(id: number): void {
    if (!this.live.delete(id)) return;
    this.index.markDelete(id);
    const tombstones = this.index.getCurrentCount() - this.live.size;
    if (tombstones > 4096 && tombstones > 2 * this.live.size) this.rebuild();
  }

  private rebuild(): void {
    const ef = this.index.getEf();
    this.index = this.create(Math.max(1024, this.live.size * 2));
    this.index.setEf(ef);
    for (const [id, v] of this.live) this.index.addPoint(Array.from(v), id);
  }

  /** Up to k nearest live faces, nearest first; with `filter`, only faces it accepts (HNSW filtered search). */
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

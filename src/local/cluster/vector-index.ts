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

/**
 * Up to this many live vectors the index is a plain list searched exactly, with no HNSW graph: every
 * hnswlib index costs ~2.5 MB up front whatever its size (hnswlib's 65,536 per-label locks), which is most
 * of what a small album's clusterer holds — and many small albums share a process (`start --libraries`).
 * An exact search over a few hundred vectors costs about what a graph search does.
 */
export const FLAT_MAX = 512;

export class VectorIndex {
  /** null while the index is flat (live.size ≤ FLAT_MAX). */
  private index: hnswlib.HierarchicalNSW | null = null;
  private readonly live = new Map<number, Float32Array>();
  private ef: number;

  constructor(
    private readonly opts: IndexOptions,
    private readonly initialCapacity = 1024,
  ) {
    this.ef = opts.efSearch;
  }

  private create(capacity: number): hnswlib.HierarchicalNSW {
    const index = new hnswlib.HierarchicalNSW('l2', this.opts.dim);
    index.initIndex({
      maxElements: Math.max(16, capacity),
      m: this.opts.m,
      efConstruction: this.opts.efConstruction,
      randomSeed: this.opts.seed,
    });
    index.setEf(this.ef);
    return index;
  }

  setEf(ef: number): void {
    this.ef = ef;
    this.index?.setEf(ef);
  }

  get size(): number {
    return this.live.size;
  }

  has(id: number): boolean {
    return this.live.has(id);
  }

  add(id: number, vector: Float32Array): void {
    if (this.live.has(id)) return;
    if (!this.index) {
      this.live.set(id, vector);
      if (this.live.size > FLAT_MAX) this.rebuild();
      return;
    }
    if (this.index.getCurrentCount() >= this.index.getMaxElements()) {
      this.index.resizeIndex(this.index.getMaxElements() * 2);
    }
    this.index.addPoint(Array.from(vector), id);
    this.live.set(id, vector);
  }

  remove(id: number): void {
    if (!this.live.delete(id) || !this.index) return;
    this.index.markDelete(id);
    const tombstones = this.index.getCurrentCount() - this.live.size;
    if (tombstones > 4096 && tombstones > 2 * this.live.size) this.rebuild();
  }

  /** A fresh graph of the live vectors, or back to a flat list when few are left. */
  private rebuild(): void {
    if (this.live.size <= FLAT_MAX) {
      this.index = null;
      return;
    }
    this.index = this.create(Math.max(this.initialCapacity, this.live.size * 2));
    for (const [id, v] of this.live) this.index.addPoint(Array.from(v), id);
  }

  /** Up to k nearest live faces, nearest first; with `filter`, only faces it accepts (HNSW filtered search). */
  search(vector: Float32Array | number[], k: number, filter?: (id: number) => boolean): Neighbor[] {
    if (this.live.size === 0 || k <= 0) return [];
    if (!this.index) return this.exactSearch(vector, k, filter);
    const kk = Math.min(k, this.live.size, this.index.getMaxElements());
    const query = Array.isArray(vector) ? vector : Array.from(vector);
    const res = filter ? this.index.searchKnn(query, kk, filter) : this.index.searchKnn(query, kk);
    const out: Neighbor[] = [];
    for (let i = 0; i < res.neighbors.length; i++) {
      out.push({ id: res.neighbors[i]!, distance: Math.sqrt(Math.max(0, res.distances[i]!)) });
    }
    return out;
  }

  private exactSearch(
    vector: Float32Array | number[],
    k: number,
    filter?: (id: number) => boolean,
  ): Neighbor[] {
    const out: Neighbor[] = [];
    for (const [id, v] of this.live) {
      if (filter && !filter(id)) continue;
      out.push({ id, distance: euclidean(v, vector) });
    }
    out.sort((a, b) => a.distance - b.distance || a.id - b.id);
    return out.length > k ? out.slice(0, k) : out;
  }
}

/** Euclidean distance of two embeddings (the metric the index searches with). */
export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum);
}

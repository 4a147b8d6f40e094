/**
 * Running sums that make average linkage exact and O(dim): for a set with centroid c and spread
 * s = mean‖x − c‖², the mean SQUARED distance from a point x to the members is ‖x − c‖² + s, and between
 * two sets A, B it is ‖cA − cB‖² + sA + sB. Linkage values are the root of that mean (RMS distance), so
 * a cluster's link is judged against all of its members, never a single chaining edge.
 */
export class CentroidStats {
  n = 0;
  /** Running sum; null while the set is one face seeded by `of` (re-clustering seeds 100k of them). */
  private sum: Float64Array | null;
  sumSq = 0;
  /** Cached centroid and spread; recomputed lazily after a change. */
  private c: Float64Array | Float32Array;
  private s = 0;
  private dirty = false;

  constructor(readonly dim: number) {
    this.sum = new Float64Array(dim);
    this.c = new Float64Array(dim);
  }

  /** A one-face set that borrows the face's vector until it changes. */
  static of(v: Float32Array): CentroidStats {
    const st = Object.create(CentroidStats.prototype) as CentroidStats;
    Object.assign(st, { dim: v.length, n: 1, sum: null, c: v, s: 0, dirty: false });
    let sq = 0;
    for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!;
    st.sumSq = sq;
    return st;
  }

  private ensureSum(): Float64Array {
    if (this.sum) return this.sum;
    const sum = new Float64Array(this.dim);
    const single = this.c;
    for (let i = 0; i < this.dim; i++) sum[i] = single[i]!;
    this.sum = sum;
    this.c = new Float64Array(this.dim);
    return sum;
  }

  private refresh(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const sum = this.ensureSum();
    if (this.n === 0) {
      this.c.fill(0);
      this.s = 0;
      return;
    }
    let cc = 0;
    for (let i = 0; i < this.dim; i++) {
      const v = sum[i]! / this.n;
      this.c[i] = v;
      cc += v * v;
    }
    this.s = Math.max(0, this.sumSq / this.n - cc);
  }

  add(v: Float32Array): void {
    const sum = this.ensureSum();
    this.dirty = true;
    this.n++;
    let sq = 0;
    for (let i = 0; i < this.dim; i++) {
      const x = v[i]!;
      sum[i]! += x;
      sq += x * x;
    }
    this.sumSq += sq;
  }

  remove(v: Float32Array): void {
    const sum = this.ensureSum();
    this.dirty = true;
    this.n--;
    let sq = 0;
    for (let i = 0; i < this.dim; i++) {
      const x = v[i]!;
      sum[i]! -= x;
      sq += x * x;
    }
    this.sumSq -= sq;
    if (this.n === 0) {
      sum.fill(0);
      this.sumSq = 0;
    }
  }

  absorb(other: CentroidStats): void {
    const sum = this.ensureSum();
    other.refresh();
    this.dirty = true;
    const on = other.n;
    // other's sum = its centroid × n (works for borrowed one-face sets too).
    const oc = other.sum ?? other.c;
    const scale = other.sum ? 1 : on;
    for (let i = 0; i < this.dim; i++) sum[i]! += oc[i]! * scale;
    this.n += on;
    this.sumSq += other.sumSq;
  }

  centroid(): Float32Array {
    this.refresh();
    return Float32Array.from(this.c);
  }

  /** Mean squared distance of the members to their centroid. */
  spread(): number {
    this.refresh();
    return this.s;
  }

  /** RMS euclidean distance from `v` to the members. */
  linkToPoint(v: Float32Array): number {
    if (this.n === 0) return Infinity;
    return Math.sqrt(this.pointDistSq(v) + this.s);
  }

  /** Size-scaled centroid distance to a single face (see Linkage). */
  centroidLinkToPoint(v: Float32Array): number {
    if (this.n === 0) return Infinity;
    return Math.sqrt((this.pointDistSq(v) * 2) / (1 + 1 / this.n));
  }

  /** Squared distance from `v` to the centroid (refreshes it). */
  private pointDistSq(v: ArrayLike<number>): number {
    this.refresh();
    const c = this.c;
    let d = 0;
    for (let i = 0; i < this.dim; i++) {
      const t = v[i]! - c[i]!;
      d += t * t;
    }
    return d;
  }

  /** Size-scaled centroid distance between two sets (see Linkage). */
  centroidLinkTo(other: CentroidStats): number {
    if (this.n === 0 || other.n === 0) return Infinity;
    return Math.sqrt((this.centroidDistSq(other) * 2) / (1 / this.n + 1 / other.n));
  }

  /** RMS euclidean distance over all member pairs across the two sets (exact average linkage on d²). */
  linkTo(other: CentroidStats): number {
    if (this.n === 0 || other.n === 0) return Infinity;
    return Math.sqrt(this.centroidDistSq(other) + this.s + other.s);
  }

  /** Squared distance between the two centroids (refreshes both). */
  private centroidDistSq(other: CentroidStats): number {
    other.refresh();
    return this.pointDistSq(other.c);
  }
}

/**
 * How two groups are compared.
 * - 'average': RMS distance over all member pairs (exact average linkage on d²).
 * - 'centroid': centroid distance scaled for the group sizes, sqrt(‖cA − cB‖² · 2 / (1/nA + 1/nB)). For two
 *   single faces it is their distance; as groups grow, per-face noise averages out of the centroids, so a
 *   same-person face keeps about the pair-distance score while a different person's score grows (the
 *   identity gap counts twice against a big group). Suits embeddings whose same/different margins are thin.
 */
export type Linkage = 'average' | 'centroid';

export function link(a: CentroidStats, b: CentroidStats, linkage: Linkage): number {
  return linkage === 'average' ? a.linkTo(b) : a.centroidLinkTo(b);
}

export function linkPoint(a: CentroidStats, v: Float32Array, linkage: Linkage): number {
  return linkage === 'average' ? a.linkToPoint(v) : a.centroidLinkToPoint(v);
}

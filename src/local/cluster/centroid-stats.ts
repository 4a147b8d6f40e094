/**
 * Running sums that make average linkage exact and O(dim): for a set with centroid c and spread
 * s = mean‖x − c‖², the mean SQUARED distance from a point x to the members is ‖x − c‖² + s, and between
 * two sets A, B it is ‖cA − cB‖² + sA + sB. Linkage values are the root of that mean (RMS distance), so
 * a cluster's link is judged against all of its members, never a single chaining edge.
 */
export class CentroidStats {
  n = 0;
  readonly sum: Float64Array;
  sumSq = 0;

  constructor(readonly dim: number) {
    this.sum = new Float64Array(dim);
  }

  add(v: Float32Array): void {
    this.n++;
    let sq = 0;
    for (let i = 0; i < this.dim; i++) {
      const x = v[i]!;
      this.sum[i]! += x;
      sq += x * x;
    }
    this.sumSq += sq;
  }

  remove(v: Float32Array): void {
    this.n--;
    let sq = 0;
    for (let i = 0; i < this.dim; i++) {
      const x = v[i]!;
      this.sum[i]! -= x;
      sq += x * x;
    }
    this.sumSq -= sq;
    if (this.n === 0) {
      this.sum.fill(0);
      this.sumSq = 0;
    }
  }

  absorb(other: CentroidStats): void {
    this.n += other.n;
    for (let i = 0; i < this.dim; i++) this.sum[i]! += other.sum[i]!;
    this.sumSq += other.sumSq;
  }

  centroid(): Float32Array {
    const c = new Float32Array(this.dim);
    if (this.n === 0) return c;
    for (let i = 0; i < this.dim; i++) c[i] = this.sum[i]! / this.n;
    return c;
  }

  /** Mean squared distance of the members to their centroid. */
  spread(): number {
    if (this.n === 0) return 0;
    let cc = 0;
    for (let i = 0; i < this.dim; i++) {
      const c = this.sum[i]! / this.n;
      cc += c * c;
    }
    return Math.max(0, this.sumSq / this.n - cc);
  }

  /** RMS euclidean distance from `v` to the members. */
  linkToPoint(v: Float32Array): number {
    if (this.n === 0) return Infinity;
    let d = 0;
    for (let i = 0; i < this.dim; i++) {
      const t = v[i]! - this.sum[i]! / this.n;
      d += t * t;
    }
    return Math.sqrt(d + this.spread());
  }

  /** RMS euclidean distance over all member pairs across the two sets (exact average linkage on d²). */
  linkTo(other: CentroidStats): number {
    if (this.n === 0 || other.n === 0) return Infinity;
    let d = 0;
    for (let i = 0; i < this.dim; i++) {
      const t = this.sum[i]! / this.n - other.sum[i]! / other.n;
      d += t * t;
    }
    return Math.sqrt(d + this.spread() + other.spread());
  }
}

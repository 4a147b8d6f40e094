/**
 * Seeded synthetic face embeddings at face-api-like distances (128-d euclid): same-person pairs around
 * 0.44 (per-face noise varies, so some faces are hard), different-person pairs around 0.8, with some
 * look-alike identities closer than that. Shared by the cluster tests and bench/cluster.ts.
 */
import type { ClusterFace } from '../../src/local/cluster/cluster-types';
import type { AnalyzedPhoto, DetectedFace } from '../../src/local/engine/face-engine';

/** One face as the engine stores it: large, frontal and sharp (clusterable) unless told otherwise. */
export function syntheticFace(embedding: Float32Array, overrides: Partial<DetectedFace> = {}): DetectedFace {
  return {
    box: { left: 70, top: 70, width: 100, height: 120 },
    confidence: 0.99,
    headPose: { yaw: 0, pitch: 0, roll: 0 },
    age: 40,
    gender: 'male',
    quality: 0.9,
    sharpness: 0.9,
    attributes: {},
    embedding,
    ...overrides,
  };
}

/** An analysed 250×250 photo (faces-dev's size) with the given faces. */
export function syntheticPhoto(...faces: DetectedFace[]): AnalyzedPhoto {
  return { width: 250, height: 250, takenAt: null, faces };
}
/** Clusterer thresholds matching this scale (the engine notes' margins; the defaults are tuned on faces-dev). */
export const SYNTHETIC_THRESHOLDS = {
  threshold: 0.58,
  attachThreshold: 0.58,
  joinThreshold: 0.52,
  hubGate: null,
};

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Gaussian {
  private spare: number | null = null;
  constructor(private readonly rnd: () => number) {}
  next(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = Math.max(1e-12, this.rnd());
    const v = this.rnd();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

export const DIM = 128;
/** Per-coordinate sd giving a same-person median distance of ~0.44 (0.44 / sqrt(2·128)). */
const FACE_SD = 0.0275;
/** Per-coordinate sd of identity centres: different-person distances ~0.8. */
const CENTER_SD = 0.044;

export class SyntheticIdentities {
  readonly rnd: () => number;
  readonly g: Gaussian;
  private readonly centers: Float32Array[] = [];

  constructor(seed: number) {
    this.rnd = mulberry32(seed);
    this.g = new Gaussian(this.rnd);
  }

  /** A new identity; with probability `lookAlike` its centre sits ~0.6 from an existing one. */
  newIdentity(lookAlike = 0.05): number {
    const c = new Float32Array(DIM);
    const base =
      this.centers.length > 0 && this.rnd() < lookAlike
        ? this.centers[Math.floor(this.rnd() * this.centers.length)]!
        : null;
    for (let i = 0; i < DIM; i++)
      c[i] = base ? base[i]! + this.g.next() * CENTER_SD * 0.62 : this.g.next() * CENTER_SD;
    this.centers.push(c);
    return this.centers.length - 1;
  }

  /** One face of an identity; `hardness` scales the noise (1 = typical). */
  face(identity: number, hardness = Math.exp(this.g.next() * 0.2)): Float32Array {
    const c = this.centers[identity]!;
    const v = new Float32Array(DIM);
    const sd = FACE_SD * hardness;
    for (let i = 0; i < DIM; i++) v[i] = c[i]! + this.g.next() * sd;
    return v;
  }
}

export function euclid(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i]! - b[i]!;
    s += t * t;
  }
  return Math.sqrt(s);
}

/**
 * Well-separated people for tests that need clustering to be unambiguous: random unit-length centres
 * (any two ~1.4 apart) and faces = centre + uniform noise of ±`noise` per coordinate, unit length.
 */
export class TightGroups {
  private readonly rnd: () => number;
  private readonly centres: Float32Array[] = [];

  constructor(
    seed: number,
    private readonly noise: number,
  ) {
    const uniform = mulberry32(seed);
    this.rnd = () => uniform() * 2 - 1;
  }

  centre(person: number): Float32Array {
    while (this.centres.length <= person)
      this.centres.push(unitLength(Float32Array.from({ length: DIM }, this.rnd)));
    return this.centres[person]!;
  }

  face(person: number): Float32Array {
    return unitLength(this.centre(person).map((x) => x + this.rnd() * this.noise));
  }
}

function unitLength(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** A face as the clusterer takes it, fresh from indexing: clusterable, in no person, with no edits. */
export function clusterFace(
  id: number,
  photoId: number,
  embedding: Float32Array,
  extra: Partial<ClusterFace> = {},
): ClusterFace {
  return {
    id,
    photoId,
    embedding,
    clusterable: true,
    personId: null,
    pinnedPersonId: null,
    rejectedPersonIds: [],
    ...extra,
  };
}

/** Person ids for a test's clusterer: `<prefix>1`, `<prefix>2`, … */
export function idCounter(prefix: string): () => string {
  let n = 0;
  return () => `${prefix}${++n}`;
}

/** `centre` moved by r along each given axis: along orthogonal axes the moves are √(Σ r²) apart. */
export function movedAlong(centre: Float32Array, moves: [axis: number, r: number][]): Float32Array {
  const v = Float32Array.from(centre);
  for (const [a, r] of moves) v[a]! += r;
  return v;
}

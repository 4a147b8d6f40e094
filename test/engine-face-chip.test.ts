/** dlib face chip geometry (face-chip.ts): the similarity fit, the chip placement and the sampling transform. */
import { describe, expect, it } from 'vitest';
import {
  CHIP_FIT_POINTS,
  chipTransform,
  faceChipPlacement,
  findSimilarity,
  ibug68FromMesh,
  type Point,
  type Similarity,
} from '../src/local/engine/face-chip';

const apply = (t: Similarity, [x, y]: Point): Point => [t.a * x - t.b * y + t.tx, t.b * x + t.a * y + t.ty];

/** Chip pixel (x, y) → image point through a tf.image.transform row. */
const sample = (m: number[], [x, y]: Point): Point => [
  m[0]! * x + m[1]! * y + m[2]!,
  m[3]! * x + m[4]! * y + m[5]!,
];

describe('findSimilarity', () => {
  it('recovers an exact similarity transform', () => {
    const truth: Similarity = { a: 1.7 * Math.cos(0.35), b: 1.7 * Math.sin(0.35), tx: 40, ty: -12 };
    const from: Point[] = [
      [0, 0],
      [10, 3],
      [-4, 8],
      [7, -6],
      [2, 2],
    ];
    const fit = findSimilarity(
      from,
      from.map((p) => apply(truth, p)),
    );
    expect(fit.a).toBeCloseTo(truth.a, 9);
    expect(fit.b).toBeCloseTo(truth.b, 9);
    expect(fit.tx).toBeCloseTo(truth.tx, 9);
    expect(fit.ty).toBeCloseTo(truth.ty, 9);
  });

  it('is the least-squares fit: perturbing it never lowers the error', () => {
    const from: Point[] = [
      [0, 0],
      [10, 0],
      [0, 10],
      [10, 10],
      [5, 4],
    ];
    const to: Point[] = [
      [1, 2],
      [21, 3],
      [-1, 22],
      [19, 24],
      [11, 9],
    ];
    const fit = findSimilarity(from, to);
    const err = (t: Similarity) =>
      from.reduce((s, p, i) => s + (apply(t, p)[0] - to[i]![0]) ** 2 + (apply(t, p)[1] - to[i]![1]) ** 2, 0);
    const best = err(fit);
    for (const key of ['a', 'b', 'tx', 'ty'] as const) {
      for (const d of [-1e-3, 1e-3]) expect(err({ ...fit, [key]: fit[key] + d })).toBeGreaterThan(best);
    }
  });
});

describe('faceChipPlacement', () => {
  it("uses dlib's points: nose, eyes and upper lip (no brows, no lower lip)", () => {
    expect(CHIP_FIT_POINTS).toHaveLength(33);
    expect(CHIP_FIT_POINTS).toContain(27);
    expect(CHIP_FIT_POINTS).toContain(64);
    for (const skipped of [17, 26, 55, 59, 65, 67]) expect(CHIP_FIT_POINTS).not.toContain(skipped);
  });

  it('puts the template eyes and nose tip where dlib does when the face is the template moved by a similarity', () => {
    // Landmarks: the template chip points turned 25°, scaled 2.2 and shifted; the fit must undo exactly that.
    const truth: Similarity = { a: 2.2 * Math.cos(0.44), b: 2.2 * Math.sin(0.44), tx: 300, ty: 120 };
    const template = fullTemplate();
    const landmarks = template.map((p) => apply(truth, p));
    const place = faceChipPlacement(landmarks, 150, 0.25);
    expect(place.angle).toBeCloseTo(0.44, 9);
    expect(place.step).toBeCloseTo((2.2 * 150) / 149, 9);
    const [cx, cy] = apply(truth, [75, 75]);
    expect(place.cx).toBeCloseTo(cx, 6);
    expect(place.cy).toBeCloseTo(cy, 6);
    // The template's eye corners and nose tip, as chip pixels, sample (close to) those landmarks in the image.
    const m = chipTransform(place);
    for (const i of [36, 45, 30]) {
      const chipPt = template[i]!;
      // dlib maps chip corners onto the rect corners (step = 150·s/149), so points land within ~1 % of the side.
      const [x, y] = sample(m, chipPt);
      expect(Math.hypot(x - landmarks[i]![0], y - landmarks[i]![1])).toBeLessThan(0.01 * 150 * 2.2);
    }
  });

  it('maps the chip corners onto the turned square of side (size − 1)·step around the centre', () => {
    const place = { cx: 200, cy: 100, angle: Math.PI / 2, step: 2, size: 150 };
    const m = chipTransform(place);
    // Turned 90°: chip x runs down the image, chip y runs to the left.
    expect(sample(m, [0, 0])[0]).toBeCloseTo(200 + 149, 9);
    expect(sample(m, [0, 0])[1]).toBeCloseTo(100 - 149, 9);
    expect(sample(m, [149, 149])[0]).toBeCloseTo(200 - 149, 9);
    expect(sample(m, [149, 149])[1]).toBeCloseTo(100 + 149, 9);
    expect(sample(m, [74.5, 74.5])[0]).toBeCloseTo(200, 9);
  });

  it('addresses a cropped, average-pooled source at the same image points', () => {
    const place = { cx: 812.3, cy: 640.7, angle: 0.2, step: 4.4, size: 150 };
    const direct = chipTransform(place);
    const pooled = chipTransform(place, [500, 300], 4);
    for (const p of [
      [0, 0],
      [149, 0],
      [37, 120],
    ] as Point[]) {
      const [x, y] = sample(direct, p);
      const [u, v] = sample(pooled, p);
      // Pooled pixel u covers image pixels 500 + 4u … 500 + 4u + 3, centred at 500 + 4u + 1.5.
      expect(500 + 4 * u + 1.5).toBeCloseTo(x, 9);
      expect(300 + 4 * v + 1.5).toBeCloseTo(y, 9);
    }
  });
});

describe('ibug68FromMesh', () => {
  it('needs the full 468-point mesh and averages paired mesh points', () => {
    expect(ibug68FromMesh([[0, 0]])).toBeNull();
    const mesh: Point[] = Array.from({ length: 468 }, (_, i) => [i, 2 * i]);
    const pts = ibug68FromMesh(mesh)!;
    expect(pts).toHaveLength(68);
    expect(pts[36]).toEqual([33, 66]); // outer corner of the subject's right eye = mesh 33
    expect(pts[45]).toEqual([263, 526]);
    expect(pts[27]).toEqual([(168 + 6) / 2, 168 + 6]); // nose bridge top = mean of mesh 168 and 6
  });
});

/**
 * dlib's mean face (mean_face_shape_x/y, points 17–67) as chip pixels for size 150, padding 0.25; points 0–16 are not
 * used by the fit. Written out again here so a typo in the module's copy shows up as a failed fit.
 */
function fullTemplate(): Point[] {
  const xs = [
    0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004,
    0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737,
    0.187122, 0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751,
    0.719335, 0.254149, 0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
    0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127,
    0.42689,
  ];
  const ys = [
    0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454,
    0.203352, 0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423,
    0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077,
    0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192,
    0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803,
    0.824182,
  ];
  const pts: Point[] = Array.from({ length: 17 }, () => [75, 75]);
  for (let i = 0; i < xs.length; i++)
    pts.push([((0.25 + xs[i]!) / 1.5) * 150, ((0.25 + ys[i]!) / 1.5) * 150]);
  return pts;
}

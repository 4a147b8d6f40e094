/**
 * dlib's face chip geometry (dlib/image_transforms/interpolation.h: get_face_chip_details, extract_image_chip):
 * the crop the dlib ResNet — face-api's faceRecognitionNet — was trained on. 68 iBUG landmarks are fitted by least
 * squares with a similarity transform to dlib's mean face shape, placed in a size×size chip with `padding` of the
 * shape's extent on each side (dlib's face recognition uses size 150, padding 0.25).
 */

export type Point = [number, number];

/** dlib's mean_face_shape_x / mean_face_shape_y: average positions of iBUG points 17–67 (copied from interpolation.h). */
const MEAN_FACE_SHAPE_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004,
  0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122,
  0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
  0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532,
  0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const MEAN_FACE_SHAPE_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454,
  0.203352, 0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423,
  0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077,
  0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192,
  0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803,
  0.824182,
];

/**
 * iBUG points the fit uses. dlib's get_face_chip_details skips the eyebrows (17–26) and the lower lip (55–59,
 * 65–67): they move with expression. What is left is the nose, the eyes and the upper lip (27–54, 60–64).
 */
export const CHIP_FIT_POINTS: readonly number[] = Array.from({ length: 68 - 17 }, (_, k) => k + 17).filter(
  (i) => !(i >= 17 && i <= 26) && !(i >= 55 && i <= 59) && !(i >= 65 && i <= 67),
);

/**
 * MediaPipe face-mesh index (or two, averaged) for each iBUG-68 point, after Peizhi Yan's Mediapipe_2_Dlib_Landmarks
 * correspondence table. Only the points in CHIP_FIT_POINTS matter here; the jaw and brows are approximate.
 */
const MESH_TO_IBUG68: readonly (readonly number[])[] = [
  // jaw 0–16
  [127],
  [234],
  [93],
  [132, 58],
  [58, 172],
  [136],
  [150],
  [176],
  [152],
  [400],
  [379],
  [365],
  [397, 288],
  [361],
  [323],
  [454],
  [356],
  // brows 17–26
  [70],
  [63],
  [105],
  [66],
  [107],
  [336],
  [296],
  [334],
  [293],
  [300],
  // nose 27–35
  [168, 6],
  [197, 195],
  [5],
  [4],
  [75],
  [97],
  [2],
  [326],
  [305],
  // eyes 36–47 (subject's right eye first: image left on a frontal face)
  [33],
  [160],
  [158],
  [133],
  [153],
  [144],
  [362],
  [385],
  [387],
  [263],
  [373],
  [380],
  // outer lips 48–59
  [61],
  [39],
  [37],
  [0],
  [267],
  [269],
  [291],
  [321],
  [314],
  [17],
  [84],
  [91],
  // inner lips 60–67
  [78],
  [82],
  [13],
  [312],
  [308],
  [317],
  [14],
  [87],
];

/** The 68 iBUG points from a 468-point MediaPipe mesh (null when the mesh is missing). */
export function ibug68FromMesh(mesh: readonly Point[]): Point[] | null {
  if (mesh.length < 468) return null;
  return MESH_TO_IBUG68.map((idx) => {
    let x = 0;
    let y = 0;
    for (const i of idx) {
      x += mesh[i]![0];
      y += mesh[i]![1];
    }
    return [x / idx.length, y / idx.length];
  });
}

/** x' = a·x − b·y + tx, y' = b·x + a·y + ty (uniform scale √(a²+b²), rotation atan2(b, a)). */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * Least-squares similarity transform taking `from` onto `to` (dlib's find_similarity_transform, Umeyama 1991).
 * In 2-D the rotation+scale part is linear in (a, b), so the closed form below is Umeyama's solution; it can never
 * reflect, so Umeyama's reflection guard is not needed.
 */
export function findSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  const n = from.length;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]![0];
    fy += from[i]![1];
    tx += to[i]![0];
    ty += to[i]![1];
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const x = from[i]![0] - fx;
    const y = from[i]![1] - fy;
    const u = to[i]![0] - tx;
    const v = to[i]![1] - ty;
    dot += x * u + y * v;
    cross += x * v - y * u;
    norm += x * x + y * y;
  }
  const a = norm > 0 ? dot / norm : 1;
  const b = norm > 0 ? cross / norm : 0;
  return { a, b, tx: tx - (a * fx - b * fy), ty: ty - (b * fx + a * fy) };
}

/** Where a chip lies in the image: centre, rotation (radians, image coords) and image pixels per chip pixel. */
export interface ChipPlacement {
  cx: number;
  cy: number;
  angle: number;
  /** Image pixels per chip pixel (dlib: rect width / (size − 1), the chip's corner pixels sit on the rect corners). */
  step: number;
  size: number;
}

/**
 * dlib's get_face_chip_details for 68 landmarks (image pixels, pixel centres at integer coordinates): the template
 * points (padding + mean)/(2·padding + 1)·size are fitted onto the landmarks; the chip is the size×size square around
 * the image of the chip centre, turned by the fit's angle.
 */
export function faceChipPlacement(landmarks: readonly Point[], size = 150, padding = 0.25): ChipPlacement {
  const from: Point[] = [];
  const to: Point[] = [];
  for (const i of CHIP_FIT_POINTS) {
    from.push([
      ((padding + MEAN_FACE_SHAPE_X[i - 17]!) / (2 * padding + 1)) * size,
      ((padding + MEAN_FACE_SHAPE_Y[i - 17]!) / (2 * padding + 1)) * size,
    ]);
    to.push(landmarks[i]!);
  }
  const t = findSimilarity(from, to);
  const scale = Math.hypot(t.a, t.b);
  const c = size / 2;
  return {
    cx: t.a * c - t.b * c + t.tx,
    cy: t.b * c + t.a * c + t.ty,
    angle: Math.atan2(t.b, t.a),
    step: (size * scale) / (size - 1),
    size,
  };
}

/**
 * The tf.image.transform row [a0, a1, a2, b0, b1, b2, 0, 0] that maps chip pixel (x, y) to the image point it samples
 * (dlib's extract_image_chip mapping: chip corners onto the turned rect corners). `origin` and `pool` describe a
 * source that is the image cropped at origin and average-pooled by `pool` (pixel i of it covers image pixels
 * origin + pool·i … + pool − 1, centred at origin + pool·i + (pool − 1)/2).
 */
export function chipTransform(p: ChipPlacement, origin: Point = [0, 0], pool = 1): number[] {
  const cos = Math.cos(p.angle) * p.step;
  const sin = Math.sin(p.angle) * p.step;
  const h = (p.size - 1) / 2;
  // Image point of chip pixel (x, y): centre + R·step·(x − h, y − h).
  const a2 = p.cx - (cos * h - sin * h);
  const b2 = p.cy - (sin * h + cos * h);
  const off = (pool - 1) / 2;
  return [
    cos / pool,
    -sin / pool,
    (a2 - origin[0] - off) / pool,
    sin / pool,
    cos / pool,
    (b2 - origin[1] - off) / pool,
    0,
    0,
  ];
}

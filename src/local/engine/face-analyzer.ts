import type { FaceResult } from '@vladmandic/human';
import sharp from 'sharp';
import type { Box, Gender } from '../../album/types';
import { type DecodedImage, decodeImage } from './decode-image';
import { readFaceAttributes } from './face-attribute-reader';
import { chipTransform, faceChipPlacement, ibug68FromMesh, type Point } from './face-chip';
import type { AnalyzedPhoto, DetectedFace, EngineInput } from './face-engine';
import { type FaceModels, loadFaceModels } from './face-models';
import { faceQuality, LAPLACIAN_KERNEL, LUMA, QUALITY_CROP_SIDE, sharpnessFromVarLap } from './face-quality';
import { AGE_GENDER_SIDE } from './onnx/age-gender-graph';
import { FACERES_LENGTH, FACERES_SIDE, FACERES_TFJS_OUTPUT } from './onnx/faceres-graph';
import { defaultModelCacheDir, type OnnxNets, openOnnxNets } from './onnx/onnx-nets';

/**
 * How the recognition net's input is framed:
 * - 'dlib-mesh' (default): dlib's 150×150 face chip (padding 0.25), fitted to 68 iBUG points read off Human's mesh.
 * - 'dlib-landmark68': the same chip, fitted to face-api's faceLandmark68Net points (loads one more net).
 * - 'mesh-box': the earlier crop — the mesh extent (brow to chin) grown 20 %, turned upright by the eye line.
 */
export type DescriptorAlignment = 'dlib-mesh' | 'dlib-landmark68' | 'mesh-box';
export const DEFAULT_DESCRIPTOR_ALIGNMENT: DescriptorAlignment = 'dlib-mesh';

/**
 * Where face-api's recognition and age/gender nets run: 'auto' (default) = onnxruntime-node when it loads, else
 * tfjs-wasm; 'onnx' = fail without it (benchmarks, the parity check); 'tfjs' = face-api's own path. Both give the
 * same descriptor within max |Δ| ≤ 1e-4, euclidean ≤ 1e-3 (docs/engine-onnx.md).
 */
export type RecognitionRuntime = 'auto' | 'onnx' | 'tfjs';

/** Which runtime a worker ended up with, and why (logged once by the engine). */
export interface RecognitionInfo {
  runtime: 'onnxruntime-node' | 'tfjs-wasm';
  reason: string;
}

export interface AnalyzerOptions {
  maxPixels: number;
  detectMaxSide: number;
  /**
   * Long side of the copy Human sees (default 1024). Blazeface looks at 256×256 and the mesh at 192×192 crops, so a
   * larger input buys nothing there, but Human's rotation correction turns the WHOLE input once per face. Crops for
   * the descriptor and sharpness still come from the detectMaxSide image.
   */
  meshMaxSide?: number;
  /** 'mesh-box' only: turn the crop upright by the eye-line angle (default true; false = face-api's unrotated crop). */
  alignDescriptor?: boolean;
  /** Descriptor framing (default 'dlib-mesh'). Age/gender always read the 'mesh-box' crop they were checked on. */
  descriptorAlignment?: DescriptorAlignment;
  /**
   * Describe each chip and its horizontal mirror and average the two descriptors (dlib's jitter idea, one flip):
   * one more recognition-net pass per face, in the same batch (~23–27 ms more CPU per face, bench:index). Default false
   * and reachable only from benchmarks: on faces-dev it separates same/different pairs a little better but the
   * clusterer placed more strangers with it at every setting tried (README, "Clustering quality"). An album's
   * descriptors must all come from one setting — analyses are reused by content hash and never re-described.
   */
  descriptorFlip?: boolean;
  /**
   * Give every face `second`, Human's 1024-d faceres embedding of Human's own face crop (default true). On the
   * recognition runtime: onnxruntime-node (~10 ms a face) or, in the tfjs fallback, Human's graph model on tfjs-wasm
   * (~80 ms), the same vector either way. false only for benchmarks: an album's faces must all have it or none.
   */
  secondEmbedding?: boolean;
  /** Runtime of the recognition net and of the second embedding (default 'auto'). */
  recognitionRuntime?: RecognitionRuntime;
  /** Folder for the generated ONNX model (default: defaultModelCacheDir()). */
  modelCacheDir?: string;
}

export const DEFAULT_MESH_MAX_SIDE = 1024;

/** Milliseconds spent per stage for one photo (reported by the benchmark). */
export interface StageTimings {
  decode: number;
  detect: number;
  describe: number;
  total: number;
  /** CPU time (user + system, whole process) spent on this photo; robust to other jobs sharing the cores. */
  cpu: number;
  /**
   * CPU ms of the stages: decode (sharp), tensor (float copy + resize for Human), detect (Human), describe (crops +
   * nets); recognize (the recognition net), ageGender (face-api's ageGenderNet) and second (Human's face crops
   * resized for faceres, and the net) are the parts of describe spent in those nets.
   */
  cpuStages: {
    decode: number;
    tensor: number;
    detect: number;
    describe: number;
    recognize: number;
    ageGender: number;
    second: number;
  };
}

export interface AnalyzerResult {
  photo: AnalyzedPhoto;
  timings: StageTimings;
  /** Raw variance of the Laplacian per face (same order as photo.faces), for calibrating SHARPNESS_K. */
  varLaps: number[];
}

type Tensor = ReturnType<FaceModels['tf']['tensor']>;
type Tensor3D = ReturnType<FaceModels['tf']['tensor3d']>;
type Tensor4D = ReturnType<FaceModels['tf']['tensor4d']>;
type Rect = { x0: number; y0: number; x1: number; y1: number };
/** Human's mesh (x, y) and box, in detection-image pixels. */
interface FaceGeometry {
  mesh: [number, number][];
  box: [number, number, number, number];
}

function geometry(face: FaceResult, k: number): FaceGeometry {
  return {
    mesh: face.mesh.map((p) => [p[0] * k, p[1] * k]),
    box: [face.box[0] * k, face.box[1] * k, face.box[2] * k, face.box[3] * k],
  };
}

// MediaPipe face-mesh indices: brow tops (left/right) and chin. The brow→chin span matches face-api's 68-point box.
const BROW_LEFT = 105;
const BROW_RIGHT = 334;
const EYE_OUTER_A = 33;
const EYE_OUTER_B = 263;
const CHIN = 152;
/** Human pads the mesh extent by detector.scale (1.4); used only when a face comes back without a mesh. */
const HUMAN_BOX_SCALE = 1.4;
/** face-api's alignMinBbox padding: the recognition net was trained on landmark boxes grown by 20 %. */
const DESCRIPTOR_PADDING = 0.2;
/** faceRecognitionNet's input size (and dlib's chip size for it). */
const DESCRIPTOR_INPUT_SIDE = 150;
/** Deepest pyramid level used for chips (1/16 scale): faces up to ~16× the chip side keep their detail. */
const MAX_PYRAMID_LEVEL = 4;
/** dlib's face-recognition chip padding (dlib.get_face_chip default for the ResNet: 0.25). */
const CHIP_PADDING = 0.25;
/** faceLandmark68Net's input side. */
const LANDMARK_INPUT_SIDE = 112;
/** The descriptor square is first cut with this margin (px at net scale) so turning it upright leaves no corners. */
const ROTATION_MARGIN = 38;

/**
 * Tight face box in detection-image pixels: the extent of Human's 468-point mesh (forehead to chin, cheek to cheek),
 * without Human's 1.4× padding and squaring. This is the box the 75 px rule is measured on (Human's own box is
 * ~1.86× face-api's brow-to-chin box). On 250×250 LFW dev photos it is ~93 px wide × ~107 px tall (short side
 * p5/p50/p95 = 82/93/108 px over 59 faces).
 */
export function tightBox(face: FaceGeometry): Rect {
  const mesh = face.mesh;
  if (mesh.length > CHIN) {
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const p of mesh) {
      if (p[0] < x0) x0 = p[0];
      if (p[0] > x1) x1 = p[0];
      if (p[1] < y0) y0 = p[1];
      if (p[1] > y1) y1 = p[1];
    }
    return { x0, y0, x1, y1 };
  }
  const [bx, by, bw, bh] = face.box;
  const cx = bx + bw / 2;
  const cy = by + bh / 2;
  const hw = bw / HUMAN_BOX_SCALE / 2;
  const hh = bh / HUMAN_BOX_SCALE / 2;
  return { x0: cx - hw, y0: cy - hh, x1: cx + hw, y1: cy + hh };
}

/** An upright square in the face's own frame: centre (image pixels), side, and the in-plane angle of the face. */
interface AlignedSquare {
  cx: number;
  cy: number;
  side: number;
  angle: number;
}

/** In-plane angle of the eye line (outer eye corners, mesh 33 → 263), radians, image coordinates (y down). */
function eyeLineAngle(mesh: [number, number][]): number {
  const a = mesh[EYE_OUTER_A];
  const b = mesh[EYE_OUTER_B];
  return a && b ? Math.atan2(b[1] - a[1], b[0] - a[0]) : 0;
}

/**
 * The crop the recognition net sees, in the face's upright frame (mesh turned by minus the eye-line angle, like
 * dlib's aligned face chips the net was trained on): x from the mesh's min/max, y from the higher brow (mesh
 * 105/334) to the chin (mesh 152) — the span of face-api's 68-landmark box — grown by 20 % (face-api's
 * alignMinBbox) and made square. Without de-rotation a face tilted 30° drifted ~0.5 from its upright self.
 */
function descriptorSquare(face: FaceGeometry, tight: Rect): AlignedSquare {
  const mesh = face.mesh;
  if (mesh.length <= EYE_OUTER_B) {
    const side = Math.max(tight.x1 - tight.x0, tight.y1 - tight.y0) * (1 + DESCRIPTOR_PADDING);
    return { cx: (tight.x0 + tight.x1) / 2, cy: (tight.y0 + tight.y1) / 2, side, angle: 0 };
  }
  const angle = eyeLineAngle(mesh);
  const ox = (tight.x0 + tight.x1) / 2;
  const oy = (tight.y0 + tight.y1) / 2;
  const cos = Math.cos(-angle);
  const sin = Math.sin(-angle);
  const upright = (p: [number, number]): [number, number] => [
    ox + (p[0] - ox) * cos - (p[1] - oy) * sin,
    oy + (p[0] - ox) * sin + (p[1] - oy) * cos,
  ];
  let x0 = Infinity;
  let x1 = -Infinity;
  for (const p of mesh) {
    const x = upright(p)[0];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
  }
  const y0 = Math.min(upright(mesh[BROW_LEFT]!)[1], upright(mesh[BROW_RIGHT]!)[1]);
  const y1 = upright(mesh[CHIN]!)[1];
  const side = Math.max(x1 - x0, y1 - y0) * (1 + DESCRIPTOR_PADDING);
  // Centre of the upright box, turned back into image coordinates.
  const ux = (x0 + x1) / 2 - ox;
  const uy = (y0 + y1) / 2 - oy;
  return {
    cx: ox + ux * Math.cos(angle) - uy * Math.sin(angle),
    cy: oy + ux * Math.sin(angle) + uy * Math.cos(angle),
    side,
    angle,
  };
}

function clampRect(r: Rect, w: number, h: number): Rect {
  return { x0: Math.max(0, r.x0), y0: Math.max(0, r.y0), x1: Math.min(w, r.x1), y1: Math.min(h, r.y1) };
}

/** The face crop Human returned with a face (detector.return is on whenever the second embedding is). */
function faceCrop(face: FaceResult): Tensor3D {
  if (!face.tensor) throw new Error('Human returned a face without its crop (face.detector.return)');
  return face.tensor as Tensor3D;
}

function toGender(g: string): Gender | null {
  return g === 'male' || g === 'female' ? g : null;
}

const DEG = 180 / Math.PI;

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/** v / |v| (a zero vector stays zero). */
function unitLength(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum);
  return norm > 0 ? v.map((x) => x / norm) : v;
}

/**
 * One process's face pipeline: sharp decode → Human (blazeface detect, 468-point mesh, head pose) → face-api
 * recognition descriptor on dlib's face chip (see DescriptorAlignment) and age/gender on the mesh-aligned crop,
 * and Human's faceres embedding on Human's face crop (the second embedding).
 */
export class FaceAnalyzer {
  private scratch = new Float32Array(0);
  /** CPU ms in the nets for the photo being analysed (StageTimings.cpuStages). */
  private netCpu = { recognize: 0, ageGender: 0, second: 0 };

  private constructor(
    private readonly models: FaceModels,
    private readonly opts: AnalyzerOptions,
    private readonly onnx: OnnxNets | null,
    readonly recognition: RecognitionInfo,
  ) {}

  static async create(opts: AnalyzerOptions): Promise<FaceAnalyzer> {
    const second = opts.secondEmbedding ?? true;
    const wanted = opts.recognitionRuntime ?? 'auto';
    let onnx: OnnxNets | null = null;
    let reason = 'recognitionRuntime=tfjs';
    if (wanted !== 'tfjs') {
      try {
        onnx = await openOnnxNets(opts.modelCacheDir ?? defaultModelCacheDir(), { faceres: second });
        reason = `onnxruntime-node ${onnx.version}`;
      } catch (err) {
        if (wanted === 'onnx') throw err;
        reason = `onnxruntime-node unavailable: ${(err as Error).message.split('\n')[0]}`;
      }
    }
    const models = await loadFaceModels({
      landmarks68: opts.descriptorAlignment === 'dlib-landmark68',
      faceCrops: second,
      faceresTfjs: second && !onnx,
    });
    const info: RecognitionInfo = { runtime: onnx ? 'onnxruntime-node' : 'tfjs-wasm', reason };
    const analyzer = new FaceAnalyzer(models, opts, onnx, info);
    await analyzer.warmUp();
    return analyzer;
  }

  private get secondOn(): boolean {
    return this.opts.secondEmbedding ?? true;
  }

  /**
   * human.warmup() does nothing in Node; one real detection compiles the WASM kernels before timing starts. The
   * grey square has no face, so faceres gets one blank crop (Human's 192 px mesh crop) of its own.
   */
  private async warmUp(): Promise<void> {
    if (this.secondOn) {
      const blank = this.models.tf.zeros([192, 192, 3]) as Tensor3D;
      try {
        await this.secondEmbeddings([blank]);
      } finally {
        blank.dispose();
      }
    }
    const side = 256;
    const { data } = await sharp({
      create: { width: side, height: side, channels: 3, background: { r: 128, g: 110, b: 100 } },
    })
      .raw()
      .toBuffer({ resolveWithObject: true });
    await this.analyzeDecoded({
      width: side,
      height: side,
      rgb: data,
      rgbWidth: side,
      rgbHeight: side,
      scale: 1,
      takenAt: null,
    });
  }

  async analyze(input: EngineInput): Promise<AnalyzerResult> {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const decoded = await decodeImage(input, this.opts);
    const t1 = performance.now();
    const cpuDecode = cpuMs(cpu0);
    const { photo, detect, describe, varLaps, cpuStages } = await this.analyzeDecoded(decoded);
    const cpu = process.cpuUsage(cpu0);
    return {
      photo,
      varLaps,
      timings: {
        decode: t1 - t0,
        detect,
        describe,
        total: performance.now() - t0,
        cpu: (cpu.user + cpu.system) / 1000,
        cpuStages: { decode: cpuDecode, ...cpuStages },
      },
    };
  }

  private async analyzeDecoded(img: DecodedImage): Promise<{
    photo: AnalyzedPhoto;
    detect: number;
    describe: number;
    varLaps: number[];
    cpuStages: Omit<StageTimings['cpuStages'], 'decode'>;
  }> {
    const { tf, human } = this.models;
    this.netCpu = { recognize: 0, ageGender: 0, second: 0 };
    const c0 = process.cpuUsage();
    // Float32Array.set() from the byte buffer is the cheapest way into a float tensor (int32 + cast costs ~2×).
    // tfjs-wasm copies the values into its heap, so one scratch array is reused instead of ~20 MB of garbage per photo.
    if (this.scratch.length < img.rgb.length) this.scratch = new Float32Array(img.rgb.length);
    const floats = this.scratch.subarray(0, img.rgb.length);
    floats.set(img.rgb);
    const image = tf.tensor3d(floats, [img.rgbHeight, img.rgbWidth, 3], 'float32') as Tensor3D;
    const meshMaxSide = this.opts.meshMaxSide ?? DEFAULT_MESH_MAX_SIDE;
    const shrink = Math.max(img.rgbWidth, img.rgbHeight) / meshMaxSide;
    const humanInput =
      shrink > 1
        ? (tf.image.resizeBilinear(image, [
            Math.round(img.rgbHeight / shrink),
            Math.round(img.rgbWidth / shrink),
          ]) as Tensor3D)
        : image;
    // Human's face crops (detector.return): tensors this photo owns, disposed whatever happens after detection.
    let faceCrops: Tensor[] = [];
    try {
      const cTensor = cpuMs(c0);
      const c1 = process.cpuUsage();
      const t0 = performance.now();
      const result = await human.detect(humanInput as never);
      faceCrops = result.face.flatMap((f) => (f.tensor ? [f.tensor as Tensor] : []));
      const t1 = performance.now();
      const cDetect = cpuMs(c1);
      const c2 = process.cpuUsage();
      const k = img.rgbWidth / (humanInput.shape[1] ?? img.rgbWidth);
      const described = await this.describeFaces(
        image,
        img,
        result.face.map((face) => ({ face, geo: geometry(face, k) })),
      );
      const faces = described.map((d) => d.face);
      const varLaps = described.map((d) => d.varLap);
      const t2 = performance.now();
      return {
        photo: { width: img.width, height: img.height, takenAt: img.takenAt, faces },
        detect: t1 - t0,
        describe: t2 - t1,
        varLaps,
        cpuStages: { tensor: cTensor, detect: cDetect, describe: cpuMs(c2), ...this.netCpu },
      };
    } finally {
      for (const t of faceCrops) t.dispose();
      if (humanInput !== image) humanInput.dispose();
      image.dispose();
    }
  }

  /** Sharpness, descriptor and age/gender for all faces of one photo (the nets run once on the whole batch). */
  private async describeFaces(
    image: Tensor3D,
    img: DecodedImage,
    found: { face: FaceResult; geo: FaceGeometry }[],
  ): Promise<{ face: DetectedFace; varLap: number }[]> {
    if (found.length === 0) return [];
    const { tf } = this.models;
    const W = img.rgbWidth;
    const H = img.rgbHeight;
    const batch = tf.tidy(() => image.expandDims(0)) as Tensor4D;
    const parts = found.map(({ geo }) => {
      const rawTight = tightBox(geo);
      const square = descriptorSquare(geo, rawTight);
      if (this.opts.alignDescriptor === false) square.angle = 0;
      return { rawTight, tight: clampRect(rawTight, W, H), square };
    });

    // Sharpness on the grey tight crops resampled to 112×112 (definition in face-quality.ts). Computed in tfjs so
    // only N numbers are read back: reading tensors out of tfjs-wasm costs ~0.3 µs per value here.
    const varLaps: number[] = Array.from(
      tf.tidy(() => {
        const boxes = parts.map(({ tight: t }) => [t.y0 / H, t.x0 / W, t.y1 / H, t.x1 / W]);
        const crops = tf.image.cropAndResize(
          batch as never,
          boxes,
          boxes.map(() => 0),
          [QUALITY_CROP_SIDE, QUALITY_CROP_SIDE],
          'bilinear',
        );
        const grey = crops.mul(tf.tensor1d(LUMA)).sum(-1, true);
        const lap = tf.conv2d(grey as never, tf.tensor4d(LAPLACIAN_KERNEL, [3, 3, 1, 1]), 1, 'valid');
        return tf.moments(lap, [1, 2, 3]).variance.dataSync() as Float32Array;
      }) as unknown as Float32Array,
    );

    // Descriptor inputs: each aligned square cut with a margin straight at net scale (zeros outside the image),
    // turned upright, then its centre 150×150 taken. One cropAndResize replaces face-api's clip → pad-to-square →
    // resize of a full-size crop, which made 2 MP photos with 500 px faces several times slower.
    const big = DESCRIPTOR_INPUT_SIDE + 2 * ROTATION_MARGIN;
    const netInputs = parts.map(({ square: q }) =>
      tf.tidy(() => {
        const half = (q.side / 2) * (big / DESCRIPTOR_INPUT_SIDE);
        const box = [[(q.cy - half) / H, (q.cx - half) / W, (q.cy + half) / H, (q.cx + half) / W]];
        const crop = tf.image.cropAndResize(batch as never, box, [0], [big, big], 'bilinear', 0);
        const upright = Math.abs(q.angle) > 0.01 ? tf.image.rotateWithOffset(crop, q.angle, 0) : crop;
        return upright
          .slice(
            [0, ROTATION_MARGIN, ROTATION_MARGIN, 0],
            [1, DESCRIPTOR_INPUT_SIDE, DESCRIPTOR_INPUT_SIDE, 3],
          )
          .squeeze([0]);
      }),
    );
    let chips: (Tensor3D | null)[] = [];
    let mirrored: Tensor3D[] = [];
    let embeddings: Float32Array[];
    let ageGenders: { age: number; gender: string }[];
    let seconds: Float32Array[] | null;
    try {
      const alignment = this.opts.descriptorAlignment ?? DEFAULT_DESCRIPTOR_ALIGNMENT;
      if (alignment !== 'mesh-box') {
        const landmarks =
          alignment === 'dlib-landmark68'
            ? await this.landmarks68(
                batch,
                parts.map((p) => p.rawTight),
                W,
                H,
              )
            : found.map(({ geo }) => ibug68FromMesh(geo.mesh));
        const pyramid = this.pyramidOf(batch);
        try {
          chips = landmarks.map((lm) => (lm ? this.faceChip(pyramid.level, lm) : null));
        } finally {
          pyramid.dispose();
        }
      }
      const descriptorInputs = netInputs.map((t, i) => chips[i] ?? t);
      if (this.opts.descriptorFlip) {
        // Mirrored chips ride in the same batch; the mean of a face's two descriptors is its identity vector.
        mirrored = descriptorInputs.map((t) => tf.reverse(t, 1) as Tensor3D);
        const both = await this.describeChips([...descriptorInputs, ...mirrored]);
        const n = descriptorInputs.length;
        embeddings = descriptorInputs.map((_, i) => {
          const a = both[i]!;
          const b = both[n + i]!;
          return a.map((v, k) => (v + b[k]!) / 2);
        });
      } else {
        embeddings = await this.describeChips(descriptorInputs);
      }
      ageGenders = await this.ageGender(netInputs);
      seconds = this.secondOn ? await this.secondEmbeddings(found.map(({ face }) => faceCrop(face))) : null;
    } finally {
      batch.dispose();
      for (const t of netInputs) t.dispose();
      for (const t of chips) t?.dispose();
      for (const t of mirrored) t.dispose();
    }

    const s = img.scale;
    return found.map(({ face }, i) => {
      const { tight } = parts[i]!;
      const box: Box = {
        left: Math.round(tight.x0 * s),
        top: Math.round(tight.y0 * s),
        width: Math.round(Math.max(1, tight.x1 - tight.x0) * s),
        height: Math.round(Math.max(1, tight.y1 - tight.y0) * s),
      };
      const confidence = Math.max(0, Math.min(1, face.score ?? face.boxScore ?? 0));
      const angle = face.rotation?.angle ?? { yaw: 0, pitch: 0, roll: 0 };
      const sharpness = sharpnessFromVarLap(varLaps[i]!);
      const ag = ageGenders[i]!;
      const detected: DetectedFace = {
        box,
        confidence,
        headPose: { yaw: angle.yaw * DEG, pitch: angle.pitch * DEG, roll: angle.roll * DEG },
        age: Number.isFinite(ag.age) ? Math.round(ag.age * 10) / 10 : null,
        gender: toGender(ag.gender),
        quality: faceQuality(sharpness, Math.min(box.width, box.height), confidence),
        sharpness,
        attributes: readFaceAttributes({ mesh: face.mesh, emotion: face.emotion, yaw: angle.yaw * DEG }),
        embedding: Float32Array.from(embeddings[i]!),
        ...(seconds ? { second: seconds[i]! } : {}),
      };
      return { face: detected, varLap: varLaps[i]! };
    });
  }

  /** The recognition net on a photo's chips, in one call: onnxruntime-node when loaded, else face-api on tfjs-wasm. */
  private async describeChips(chips: Tensor3D[]): Promise<Float32Array[]> {
    const { tf, faceapi } = this.models;
    const c0 = process.cpuUsage();
    if (!this.onnx) {
      const out = (await faceapi.computeFaceDescriptor(chips as never)) as Float32Array[];
      this.netCpu.recognize += cpuMs(c0);
      return out;
    }
    const stacked = tf.stack(chips);
    try {
      return await this.onnx.describe(stacked.dataSync() as Float32Array, chips.length);
    } finally {
      stacked.dispose();
      this.netCpu.recognize += cpuMs(c0);
    }
  }

  /**
   * Human's faceres on Human's face crops, as its description module runs it (faceres.ts enhance(): bilinear resize
   * to 224 without corner alignment, ×255; the 1024-d `global_pooling/Mean`), all faces in one batch, on
   * onnxruntime-node when loaded, else Human's graph model on tfjs-wasm. Unit length.
   */
  private async secondEmbeddings(crops: Tensor3D[]): Promise<Float32Array[]> {
    const { tf, faceres } = this.models;
    const c0 = process.cpuUsage();
    const input = tf.tidy(() =>
      tf.mul(
        tf.stack(crops.map((c) => tf.image.resizeBilinear(c, [FACERES_SIDE, FACERES_SIDE], false))),
        255,
      ),
    ) as Tensor4D;
    try {
      let raw: Float32Array[];
      if (this.onnx?.faceres) {
        raw = await this.onnx.faceres(input.dataSync() as Float32Array, crops.length);
      } else {
        if (!faceres)
          throw new Error('second embedding: neither onnxruntime nor the tfjs faceres model is loaded');
        const out = faceres.execute(input, FACERES_TFJS_OUTPUT) as Tensor;
        try {
          const data = (await out.data()) as Float32Array;
          raw = crops.map((_, i) => data.slice(i * FACERES_LENGTH, (i + 1) * FACERES_LENGTH));
        } finally {
          out.dispose();
        }
      }
      return raw.map(unitLength);
    } finally {
      input.dispose();
      this.netCpu.second += cpuMs(c0);
    }
  }

  /** face-api's ageGenderNet on the 150 px crops: on onnxruntime-node when loaded, else on tfjs-wasm. */
  private async ageGender(crops: Tensor3D[]): Promise<{ age: number; gender: string }[]> {
    const { tf, faceapi } = this.models;
    const c0 = process.cpuUsage();
    try {
      if (!this.onnx) {
        return (await faceapi.nets.ageGenderNet.predictAgeAndGender(crops as never)) as {
          age: number;
          gender: string;
        }[];
      }
      // The same 150 → 112 resize face-api's toBatchTensor makes (resizeBilinear, no corner alignment).
      const small = tf.tidy(() =>
        tf.image.resizeBilinear(
          tf.stack(crops) as Tensor4D,
          [AGE_GENDER_SIDE, AGE_GENDER_SIDE],
          false,
          false,
        ),
      );
      try {
        return await this.onnx.ageGender(small.dataSync() as Float32Array, crops.length);
      } finally {
        small.dispose();
      }
    } finally {
      this.netCpu.ageGender += cpuMs(c0);
    }
  }

  /**
   * dlib's extract_image_chip for one face: a similarity warp (tf.image.transform, bilinear, black outside) of the
   * image into the 150×150 chip. When the chip is ≥ 2× smaller than the face, dlib samples from a pyramid level so
   * bilinear sampling does not alias; here too, from `pyramid(k)`, the image average-pooled by 2^k.
   */
  private faceChip(pyramid: (level: number) => Tensor4D, landmarks: Point[]): Tensor3D {
    const { tf } = this.models;
    const place = faceChipPlacement(landmarks, DESCRIPTOR_INPUT_SIDE, CHIP_PADDING);
    const level = place.step >= 2 ? Math.min(MAX_PYRAMID_LEVEL, Math.floor(Math.log2(place.step))) : 0;
    // Outside tidy: a level built here belongs to the photo's pyramid, not to this face.
    const src = pyramid(level);
    return tf.tidy(() => {
      const m = chipTransform(place, [0, 0], 2 ** level);
      const chip = tf.image.transform(src as never, tf.tensor2d([m]), 'bilinear', 'constant', 0, [
        DESCRIPTOR_INPUT_SIDE,
        DESCRIPTOR_INPUT_SIDE,
      ]);
      return chip.squeeze([0]) as Tensor3D;
    });
  }

  /**
   * Halvings of the whole photo, built on first use and shared by its faces. A 2× bilinear downscale with
   * half-pixel centres is a 2×2 box mean; it replaces slice + avgPool per face, which took ~100 ms for one
   * 1000 px face on the wasm backend (this takes ~5 ms per photo). Odd sizes round down, which shifts the far
   * edge by under one pooled pixel.
   */
  private pyramidOf(batch: Tensor4D): { level: (k: number) => Tensor4D; dispose: () => void } {
    const { tf } = this.models;
    const levels: Tensor4D[] = [batch];
    return {
      level: (k) => {
        while (levels.length <= k) {
          const prev = levels[levels.length - 1]!;
          const [h, w] = [prev.shape[1]!, prev.shape[2]!];
          levels.push(
            tf.image.resizeBilinear(
              prev,
              [Math.max(1, Math.floor(h / 2)), Math.max(1, Math.floor(w / 2))],
              false,
              true,
            ),
          );
        }
        return levels[k]!;
      },
      dispose: () => {
        for (const t of levels.slice(1)) t.dispose();
      },
    };
  }

  /**
   * face-api's faceLandmark68Net on a square crop around each tight (mesh-extent) box, like face-api's own pipeline
   * runs it on the detector box; points come back in image pixels.
   */
  private async landmarks68(
    batch: Tensor4D,
    boxes: Rect[],
    W: number,
    H: number,
  ): Promise<(Point[] | null)[]> {
    const { tf, faceapi } = this.models;
    const squares = boxes.map((t) => {
      const side = Math.max(t.x1 - t.x0, t.y1 - t.y0);
      return { x: (t.x0 + t.x1) / 2 - side / 2, y: (t.y0 + t.y1) / 2 - side / 2, side };
    });
    const crops = tf.tidy(() => {
      const norm = squares.map((q) => [q.y / H, q.x / W, (q.y + q.side) / H, (q.x + q.side) / W]);
      const all = tf.image.cropAndResize(
        batch as never,
        norm,
        norm.map(() => 0),
        [LANDMARK_INPUT_SIDE, LANDMARK_INPUT_SIDE],
        'bilinear',
        0,
      );
      return tf.unstack(all);
    });
    try {
      const found = (await faceapi.nets.faceLandmark68Net.detectLandmarks(crops as never)) as unknown as {
        positions: { x: number; y: number }[];
      }[];
      return found.map((lm, i) => {
        const q = squares[i]!;
        const k = q.side / LANDMARK_INPUT_SIDE;
        return lm.positions.length === 68
          ? lm.positions.map((p): Point => [q.x + p.x * k, q.y + p.y * k])
          : null;
      });
    } finally {
      for (const t of crops) t.dispose();
    }
  }
}

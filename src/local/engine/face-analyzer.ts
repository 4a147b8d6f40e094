import sharp from 'sharp';
import type { FaceResult } from '@vladmandic/human';
import type { Box, Gender } from '../../album/types';
import type { AnalyzedPhoto, DetectedFace, EngineInput } from './face-engine';
import { decodeImage, type DecodedImage } from './decode-image';
import { loadFaceModels, type FaceModels } from './face-models';
import { faceQuality, QUALITY_CROP_SIDE, sharpnessFromVarLap, varianceOfLaplacian } from './face-quality';

export interface AnalyzerOptions {
  maxPixels: number;
  detectMaxSide: number;
}

/** Milliseconds spent per stage for one photo (reported by the benchmark). */
export interface StageTimings {
  decode: number;
  detect: number;
  describe: number;
  total: number;
}

export interface AnalyzerResult {
  photo: AnalyzedPhoto;
  timings: StageTimings;
  /** Raw variance of the Laplacian per face (same order as photo.faces), for calibrating SHARPNESS_K. */
  varLaps: number[];
}

type Tensor3D = ReturnType<FaceModels['tf']['tensor3d']>;
type Rect = { x0: number; y0: number; x1: number; y1: number };

// MediaPipe face-mesh indices: brow tops (left/right) and chin. The brow→chin span matches face-api's 68-point box.
const BROW_LEFT = 105;
const BROW_RIGHT = 334;
const CHIN = 152;
/** Human pads the mesh extent by detector.scale (1.4); used only when a face comes back without a mesh. */
const HUMAN_BOX_SCALE = 1.4;
/** face-api's alignMinBbox padding: the recognition net was trained on landmark boxes grown by 20 %. */
const DESCRIPTOR_PADDING = 0.2;

/**
 * Tight face box in detection-image pixels: the extent of Human's 468-point mesh (forehead to chin, cheek to cheek),
 * without Human's 1.4× padding and squaring. This is the box the 75 px rule is measured on; Human's own box is
 * ~1.86× wider than face-api's brow-to-chin box, this one is about 1.0× wide and 1.3× tall of it.
 */
export function tightBox(face: FaceResult): Rect {
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

/**
 * The crop the recognition net sees: x from the mesh's min/max, y from the higher brow (mesh 105/334) to the chin
 * (mesh 152) — the same span as face-api's 68-landmark box — grown by 20 % like face-api's alignMinBbox.
 */
function descriptorBox(face: FaceResult, tight: Rect): Rect {
  const mesh = face.mesh;
  const y0 = mesh.length > CHIN ? Math.min(mesh[BROW_LEFT]![1], mesh[BROW_RIGHT]![1]) : tight.y0;
  const y1 = mesh.length > CHIN ? mesh[CHIN]![1] : tight.y1;
  const padX = ((tight.x1 - tight.x0) * DESCRIPTOR_PADDING) / 2;
  const padY = ((y1 - y0) * DESCRIPTOR_PADDING) / 2;
  return { x0: tight.x0 - padX, y0: y0 - padY, x1: tight.x1 + padX, y1: y1 + padY };
}

function clampRect(r: Rect, w: number, h: number): Rect {
  return { x0: Math.max(0, r.x0), y0: Math.max(0, r.y0), x1: Math.min(w, r.x1), y1: Math.min(h, r.y1) };
}

function toGender(g: string): Gender | null {
  return g === 'male' || g === 'female' ? g : null;
}

const DEG = 180 / Math.PI;

/**
 * One process's face pipeline: sharp decode → Human (blazeface detect, 468-point mesh, head pose) → face-api
 * recognition descriptor and age/gender on the mesh-aligned crop.
 */
export class FaceAnalyzer {
  private constructor(
    private readonly models: FaceModels,
    private readonly opts: AnalyzerOptions,
  ) {}

  static async create(opts: AnalyzerOptions): Promise<FaceAnalyzer> {
    const models = await loadFaceModels();
    const analyzer = new FaceAnalyzer(models, opts);
    await analyzer.warmUp();
    return analyzer;
  }

  /** human.warmup() does nothing in Node; one real detection compiles the WASM kernels before timing starts. */
  private async warmUp(): Promise<void> {
    const side = 256;
    const { data } = await sharp({ create: { width: side, height: side, channels: 3, background: { r: 128, g: 110, b: 100 } } })
      .raw()
      .toBuffer({ resolveWithObject: true });
    await this.analyzeDecoded({ width: side, height: side, rgb: data, rgbWidth: side, rgbHeight: side, scale: 1, takenAt: null });
  }

  async analyze(input: EngineInput): Promise<AnalyzerResult> {
    const t0 = performance.now();
    const decoded = await decodeImage(input, this.opts);
    const t1 = performance.now();
    const { photo, detect, describe, varLaps } = await this.analyzeDecoded(decoded);
    return { photo, varLaps, timings: { decode: t1 - t0, detect, describe, total: performance.now() - t0 } };
  }

  private async analyzeDecoded(img: DecodedImage): Promise<{ photo: AnalyzedPhoto; detect: number; describe: number; varLaps: number[] }> {
    const { tf, human } = this.models;
    // Float32Array.set() from the byte buffer is the cheapest way into a float tensor (int32 + cast costs ~2×).
    const floats = new Float32Array(img.rgb.length);
    floats.set(img.rgb);
    const image = tf.tensor3d(floats, [img.rgbHeight, img.rgbWidth, 3], 'float32') as Tensor3D;
    try {
      const t0 = performance.now();
      const result = await human.detect(image as never);
      const t1 = performance.now();
      const faces: DetectedFace[] = [];
      const varLaps: number[] = [];
      for (const face of result.face) {
        const described = await this.describeFace(image, img, face);
        faces.push(described.face);
        varLaps.push(described.varLap);
      }
      const t2 = performance.now();
      return {
        photo: { width: img.width, height: img.height, takenAt: img.takenAt, faces },
        detect: t1 - t0,
        describe: t2 - t1,
        varLaps,
      };
    } finally {
      image.dispose();
    }
  }

  private async describeFace(image: Tensor3D, img: DecodedImage, face: FaceResult): Promise<{ face: DetectedFace; varLap: number }> {
    const { tf, faceapi } = this.models;
    const rawTight = tightBox(face);
    const tight = clampRect(rawTight, img.rgbWidth, img.rgbHeight);
    const tw = Math.max(1, tight.x1 - tight.x0);
    const th = Math.max(1, tight.y1 - tight.y0);

    // Sharpness on the grey tight crop resampled to 112×112 (definition in face-quality.ts).
    const greyData = tf.tidy(() => {
      const box = [[tight.y0 / img.rgbHeight, tight.x0 / img.rgbWidth, tight.y1 / img.rgbHeight, tight.x1 / img.rgbWidth]];
      const crop = tf.image.cropAndResize(image.expandDims(0) as never, box, [0], [QUALITY_CROP_SIDE, QUALITY_CROP_SIDE], 'bilinear');
      const grey = crop.mul(tf.tensor1d([0.299, 0.587, 0.114])).sum(-1);
      return grey.dataSync() as Float32Array;
    });
    const varLap = varianceOfLaplacian(greyData, QUALITY_CROP_SIDE);
    const sharpness = sharpnessFromVarLap(varLap);

    // Descriptor crop, clipped to the image; face-api pads it to a centred square before resizing to 150×150.
    const pad = clampRect(descriptorBox(face, rawTight), img.rgbWidth, img.rgbHeight);
    const px0 = Math.floor(pad.x0);
    const py0 = Math.floor(pad.y0);
    const pw = Math.max(1, Math.ceil(pad.x1) - px0);
    const ph = Math.max(1, Math.ceil(pad.y1) - py0);
    const crop = tf.slice(image, [py0, px0, 0], [Math.min(ph, img.rgbHeight - py0), Math.min(pw, img.rgbWidth - px0), 3]);
    let embedding: Float32Array;
    let ageGender: { age: number; gender: string };
    try {
      embedding = (await faceapi.computeFaceDescriptor(crop as never)) as Float32Array;
      ageGender = (await faceapi.nets.ageGenderNet.predictAgeAndGender(crop as never)) as { age: number; gender: string };
    } finally {
      crop.dispose();
    }

    const s = img.scale;
    const box: Box = {
      left: Math.round(tight.x0 * s),
      top: Math.round(tight.y0 * s),
      width: Math.round(tw * s),
      height: Math.round(th * s),
    };
    const confidence = Math.max(0, Math.min(1, face.score ?? face.boxScore ?? 0));
    const angle = face.rotation?.angle ?? { yaw: 0, pitch: 0, roll: 0 };
    const detected: DetectedFace = {
      box,
      confidence,
      headPose: { yaw: angle.yaw * DEG, pitch: angle.pitch * DEG, roll: angle.roll * DEG },
      age: Number.isFinite(ageGender.age) ? Math.round(ageGender.age * 10) / 10 : null,
      gender: toGender(ageGender.gender),
      quality: faceQuality(sharpness, Math.min(box.width, box.height), confidence),
      sharpness,
      embedding: Float32Array.from(embedding),
    };
    return { face: detected, varLap };
  }
}

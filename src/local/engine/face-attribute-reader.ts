import type { FaceAttributes } from '../../album/face-attributes';

/**
 * What the local engine can honestly tell about a face beyond identity, read off Human's results:
 * - emotion: Human's emotion net (64×64 grey crop, 7 classes): `happiness` when its top class is happy, else `none`;
 * - mouth: inner-lip gap over mouth width on the 468-point mesh;
 * - eyes: eyelid gap over eye width (mean of both eyes) on the mesh.
 * Thresholds were set by hand-labelled LFW faces (docs/ask-the-album.md has the figures and the command).
 * Mask, glasses, hat and beard: no model here can tell them, so they are never set.
 */

/**
 * Only happiness is told: on hand-checked LFW faces "happy" matched a smile 93 % of the time, while the net's
 * other classes do not hold (it called 22 % of ordinary press photos "angry"). So the local emotion is
 * `happiness` or `none` (IMM's documented pair), with the net's probability of happy as the evidence.
 */
const HAPPY = 'happy';

/** What the local engine tells (GET /capabilities faceAttributes). */
export const LOCAL_FACE_ATTRIBUTES = ['emotion', 'mouth', 'eyes'] as const;

// MediaPipe face-mesh indices.
const LIP_UPPER_INNER = 13;
const LIP_LOWER_INNER = 14;
const MOUTH_LEFT = 61;
const MOUTH_RIGHT = 291;
/** [upper lid, lower lid, outer corner, inner corner] of each eye. */
const EYES = [
  [159, 145, 33, 133],
  [386, 374, 263, 362],
] as const;

/** Ratios at which a mouth counts as open / eyes as open (calibrated, see the header). */
export const MOUTH_OPEN_RATIO = 0.07;
export const EYES_OPEN_RATIO = 0.15;
/** Ratio distance from the threshold at which confidence reaches 1. */
const MOUTH_SPAN = 0.1;
const EYES_SPAN = 0.12;
/**
 * Beyond this yaw (degrees) one eye and the lip line are foreshortened and the ratios mean little: eyes and
 * mouth stay absent there rather than guessed.
 */
export const MAX_READABLE_YAW = 35;

type Point = readonly (number | undefined)[];

const dist = (a: Point, b: Point) => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);

/** Inner-lip gap over mouth width, or null without a full mesh. */
export function mouthRatio(mesh: readonly Point[]): number | null {
  if (mesh.length < 468) return null;
  const width = dist(mesh[MOUTH_LEFT]!, mesh[MOUTH_RIGHT]!);
  return width > 0 ? dist(mesh[LIP_UPPER_INNER]!, mesh[LIP_LOWER_INNER]!) / width : null;
}

/** Mean eyelid gap over eye width of both eyes, or null without a full mesh. */
export function eyesRatio(mesh: readonly Point[]): number | null {
  if (mesh.length < 468) return null;
  let sum = 0;
  for (const [up, low, a, b] of EYES) {
    const width = dist(mesh[a]!, mesh[b]!);
    if (width <= 0) return null;
    sum += dist(mesh[up]!, mesh[low]!) / width;
  }
  return sum / EYES.length;
}

const round2 = (v: number) => Math.round(v * 100) / 100;
/** 0.5 at the threshold, 1 at `span` away from it. */
const marginConfidence = (ratio: number, threshold: number, span: number) =>
  round2(Math.min(1, 0.5 + Math.abs(ratio - threshold) / (2 * span)));

export interface AttributeInput {
  mesh: readonly Point[];
  emotion?: { score: number; emotion: string }[] | undefined;
  /** Degrees. */
  yaw: number;
}

export function readFaceAttributes({ mesh, emotion, yaw }: AttributeInput): FaceAttributes {
  const out: FaceAttributes = {};
  if (emotion?.length) {
    const top = emotion.reduce((a, b) => (b.score > a.score ? b : a));
    const happy = emotion.find((e) => e.emotion === HAPPY)?.score ?? 0;
    const p = Math.min(1, Math.max(0, happy));
    out.emotion =
      top.emotion === HAPPY
        ? { value: 'happiness', confidence: round2(p) }
        : { value: 'none', confidence: round2(1 - p) };
  }
  if (Math.abs(yaw) <= MAX_READABLE_YAW) {
    const m = mouthRatio(mesh);
    if (m !== null)
      out.mouth = {
        value: m >= MOUTH_OPEN_RATIO ? 'open' : 'close',
        confidence: marginConfidence(m, MOUTH_OPEN_RATIO, MOUTH_SPAN),
      };
    const e = eyesRatio(mesh);
    if (e !== null)
      out.eyes = {
        value: e >= EYES_OPEN_RATIO ? 'open' : 'closed',
        confidence: marginConfidence(e, EYES_OPEN_RATIO, EYES_SPAN),
      };
  }
  return out;
}

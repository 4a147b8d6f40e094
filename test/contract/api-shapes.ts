import { z } from 'zod';
import { FACE_ATTRIBUTE_VALUES } from '../../src/album/face-attributes';

/**
 * The public JSON of the HTTP API, as both backends must return it. Strict objects: an extra or
 * missing field on either backend fails the contract suite.
 */
const num = z.number().finite();
export const BoxShape = z.strictObject({
  left: num,
  top: num,
  width: num.positive(),
  height: num.positive(),
});

const attribute = <V extends readonly [string, ...string[]]>(values: V) =>
  z.strictObject({ value: z.enum(values), confidence: num.min(0).max(1) }).optional();
/** Face.attributes: IMM's vocabulary; a key only where the backend can tell. */
export const AttributesShape = z.strictObject({
  emotion: attribute(FACE_ATTRIBUTE_VALUES.emotion),
  mouth: attribute(FACE_ATTRIBUTE_VALUES.mouth),
  eyes: attribute(FACE_ATTRIBUTE_VALUES.eyes),
  mask: attribute(FACE_ATTRIBUTE_VALUES.mask),
  glasses: attribute(FACE_ATTRIBUTE_VALUES.glasses),
  hat: attribute(FACE_ATTRIBUTE_VALUES.hat),
  beard: attribute(FACE_ATTRIBUTE_VALUES.beard),
});

export const FaceShape = z.strictObject({
  id: z.string().min(1),
  personId: z.string().min(1).nullable(),
  box: BoxShape,
  confidence: num.min(0).max(1).nullable(),
  age: num.min(0).nullable(),
  gender: z.enum(['male', 'female']).nullable(),
  headPose: z.strictObject({ yaw: num, pitch: num, roll: num }).nullable(),
  quality: num.min(0).max(1).nullable(),
  sharpness: num.min(0).max(1).nullable(),
  attributes: AttributesShape,
  clusterable: z.boolean(),
  unclusterableReasons: z.array(
    z.strictObject({
      code: z.enum(['small', 'turned', 'no_pose', 'low_quality']),
      message: z.string().min(1),
    }),
  ),
  faceUrl: z.string().url().nullable(),
});

/** A face seen in a video: where in it (seconds from the start). */
export const VideoFaceShape = FaceShape.extend({ timeSeconds: num.min(0) });

export const AppearanceShape = z
  .strictObject({ fromSeconds: num.min(0), toSeconds: num.min(0) })
  .refine((a) => a.fromSeconds <= a.toSeconds, 'fromSeconds after toSeconds');

const photoFields = {
  uri: z.string().regex(/^oss:\/\/[^/]+\/.+/),
  key: z.string().min(1),
  width: z.number().int().positive().nullable(),
  height: z.number().int().positive().nullable(),
  takenAt: z.string().nullable(),
  photoUrl: z.string().url(),
};
export const ImagePhotoShape = z.strictObject({
  ...photoFields,
  mediaType: z.literal('image'),
  faces: z.array(FaceShape),
});
/** A video: photoUrl is a poster still, videoUrl plays it; appearances are merged, ordered spans. */
export const VideoPhotoShape = z.strictObject({
  ...photoFields,
  mediaType: z.literal('video'),
  videoUrl: z.string().url(),
  durationSeconds: num.positive().nullable(),
  faces: z.array(VideoFaceShape),
  appearances: z
    .array(AppearanceShape)
    .refine(
      (spans) => spans.every((a, i) => i === 0 || spans[i - 1]!.toSeconds < a.fromSeconds),
      'appearances overlap or are out of order (they must be merged spans)',
    ),
});
export const PhotoShape = z.discriminatedUnion('mediaType', [ImagePhotoShape, VideoPhotoShape]);

export const PersonShape = z.strictObject({
  id: z.string().min(1),
  name: z.string().nullable(),
  hidden: z.boolean(),
  labels: z.record(z.string(), z.string()),
  faceCount: z.number().int().min(0),
  imageCount: z.number().int().min(0),
  videoCount: z.number().int().min(0),
  gender: z.enum(['male', 'female']).nullable(),
  age: z.strictObject({ avg: num, min: num, max: num }).nullable(),
  cover: z
    .strictObject({
      uri: z.string(),
      box: BoxShape.nullable(),
      photoUrl: z.string().url(),
      faceUrl: z.string().url().nullable(),
    })
    .nullable(),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

export const TaskShape = z.strictObject({
  id: z.string().min(1),
  type: z.enum(['clustering', 'merge']),
  status: z.enum(['running', 'succeeded', 'failed']),
  code: z.string().nullable(),
  message: z.string().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});

export const StatsShape = z.strictObject({
  backend: z.enum(['imm', 'local']),
  photoCount: z.number().int().min(0).nullable(),
  faceCount: z.number().int().min(0).nullable(),
  personCount: z.number().int().min(0).nullable(),
  lastClustering: TaskShape.nullable(),
  indexing: z.strictObject({
    queued: z.number().int().min(0).nullable(),
    refused: z.number().int().min(0).nullable(),
  }),
  videos: z.strictObject({
    indexed: z.number().int().min(0).nullable(),
    refused: z.number().int().min(0).nullable(),
    unavailableReason: z.string().min(1).nullable(),
  }),
});

export const CapabilitiesShape = z.strictObject({
  backend: z.enum(['imm', 'local']),
  source: z.union([
    z.strictObject({ kind: z.literal('folder'), path: z.string().min(1) }),
    z.strictObject({ kind: z.literal('bucket'), bucket: z.string().min(1), prefix: z.string() }),
  ]),
  mergeIsTask: z.boolean(),
  chooseCover: z.boolean(),
  similarPeople: z.boolean(),
  assignFace: z.boolean(),
  rejectFace: z.boolean(),
  detectUpload: z.boolean(),
  undo: z.boolean(),
  unknownFaces: z.boolean(),
  faceAttributes: z.array(z.enum(['emotion', 'mouth', 'eyes', 'mask', 'glasses', 'hat', 'beard'])),
});

/** POST /people/search. */
export const FaceSearchShape = z.strictObject({
  faces: z
    .array(
      z.strictObject({
        box: BoxShape,
        matches: z.array(z.strictObject({ person: PersonShape, similarity: num.min(0).max(1) })),
      }),
    )
    .min(1),
});

export const SimilarShape = z.strictObject({
  items: z.array(z.strictObject({ person: PersonShape, distance: num.min(0) })),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() });
export const ErrorShape = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string(), requestId: z.string().optional() }),
});

export const EditShape = z.strictObject({
  id: z.string().regex(/^\d+$/),
  kind: z.enum([
    'rename',
    'hide',
    'unhide',
    'labels',
    'merge',
    'not-this-person',
    'give-to-person',
    'cover',
    'not-a-face',
    'is-a-face',
  ]),
  summary: z.string().min(1),
  personIds: z.array(z.string().min(1)),
  createdAt: z.string().min(1),
  undoneAt: z.string().nullable(),
  undoable: z.boolean(),
});

/** A face with the photo it is in (unknown faces, not-a-face marks). */
export const PhotoFaceShape = FaceShape.extend({
  uri: z.string().regex(/^oss:\/\/[^/]+\/.+/),
  photoUrl: z.string().url(),
});

export const UnknownGroupShape = z.strictObject({
  id: z.string().min(1),
  size: z.number().int().positive(),
  faces: z.array(PhotoFaceShape).min(1).max(8),
});

export const ChangesShape = z.strictObject({
  generation: z.string().min(1),
  indexing: z.strictObject({ queued: z.number().int().min(0), running: z.number().int().min(0) }),
});

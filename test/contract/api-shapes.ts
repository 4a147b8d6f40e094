import { z } from 'zod';

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
  clusterable: z.boolean(),
  unclusterableReasons: z.array(
    z.strictObject({
      code: z.enum(['small', 'turned', 'no_pose', 'low_quality']),
      message: z.string().min(1),
    }),
  ),
  faceUrl: z.string().url().nullable(),
});

export const PhotoShape = z.strictObject({
  uri: z.string().regex(/^oss:\/\/[^/]+\/.+/),
  key: z.string().min(1),
  width: z.number().int().positive().nullable(),
  height: z.number().int().positive().nullable(),
  takenAt: z.string().nullable(),
  photoUrl: z.string().url(),
  faces: z.array(FaceShape),
});

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

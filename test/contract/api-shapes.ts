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
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() });
export const ErrorShape = z.strictObject({
  error: z.strictObject({ code: z.string(), message: z.string(), requestId: z.string().optional() }),
});

import { z } from 'zod';

/** Input shapes of the HTTP API. */
export const LimitSchema = z.coerce.number().int().min(1).max(100).default(50);
export const CursorSchema = z.string().min(1).max(2048).optional();

export const PeopleListQuery = z.object({
  limit: LimitSchema,
  cursor: CursorSchema,
  sort: z.enum(['imageCount', 'updatedAt', 'name']).default('imageCount'),
  order: z.enum(['asc', 'desc']).optional(),
  hidden: z.enum(['exclude', 'include', 'only']).default('exclude'),
});

export const PageQuerySchema = z.object({ limit: LimitSchema, cursor: CursorSchema });

export const PersonIdParam = z.object({ id: z.string().min(1).max(256) });
export const FaceParam = z.object({ id: z.string().min(1).max(256), faceId: z.string().min(1).max(256) });

const LabelKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'label keys: letters, digits, _ . -');
export const PersonPatchBody = z
  .object({
    name: z.string().trim().max(128).nullable().optional(),
    hidden: z.boolean().optional(),
    labels: z
      .record(LabelKey, z.string().max(256))
      .refine((l) => Object.keys(l).length <= 20, 'at most 20 labels')
      .optional(),
  })
  .strict()
  .refine(
    (p) => p.name !== undefined || p.hidden !== undefined || p.labels !== undefined,
    'give at least one of name, hidden, labels',
  );

export const MergeBody = z
  .object({
    from: z.array(z.string().min(1).max(256)).min(1).max(100),
    into: z.string().min(1).max(256),
    // The name the kept person ends with (the page asks when both are named); absent: its own.
    name: z.string().trim().max(128).nullable().optional(),
  })
  .strict()
  .refine((m) => !m.from.includes(m.into), 'into must not be one of from');

export const PhotoQuery = z.object({ uri: z.string().min(1).max(2048) });
export const DetectBody = z.object({ uri: z.string().min(1).max(2048) }).strict();

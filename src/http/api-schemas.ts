import { z } from 'zod';

/** Input shapes of the HTTP API. */

// JSON (and a decoded query) can carry a lone UTF-16 surrogate ("\ud83d"), which is not text: SQLite
// would store it as U+FFFD and the file system would look up another name. Refused where text comes in.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** A string of well-formed Unicode text. */
export const Text = () =>
  z.string().refine((s) => !LONE_SURROGATE.test(s), 'holds a lone UTF-16 surrogate (not valid Unicode text)');

export const LimitSchema = z.coerce.number().int().min(1).max(100).default(50);
export const CursorSchema = z.string().min(1).max(2048).optional();

/** `q` of GET /people: a name fragment, not a document. */
export const NameQuery = Text()
  .trim()
  .min(1, 'give at least one character')
  .max(128, 'at most 128 characters')
  .refine((v) => !/\p{Cc}/u.test(v), 'control characters are not allowed')
  .optional();

export const PeopleListQuery = z.object({
  limit: LimitSchema,
  cursor: CursorSchema,
  sort: z.enum(['imageCount', 'updatedAt', 'name']).default('imageCount'),
  order: z.enum(['asc', 'desc']).optional(),
  hidden: z.enum(['exclude', 'include', 'only']).default('exclude'),
  q: NameQuery,
});

export const PageQuerySchema = z.object({ limit: LimitSchema, cursor: CursorSchema });

export const PersonIdParam = z.object({ id: Text().min(1).max(256) });
export const FaceParam = z.object({ id: Text().min(1).max(256), faceId: Text().min(1).max(256) });

const LabelKey = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'label keys: letters, digits, _ . -');
export const PersonPatchBody = z
  .object({
    name: Text().trim().max(128).nullable().optional(),
    hidden: z.boolean().optional(),
    labels: z
      .record(LabelKey, Text().max(256))
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
    from: z.array(Text().min(1).max(256)).min(1).max(100),
    into: Text().min(1).max(256),
    // The name the kept person ends with (the page asks when both are named); absent: its own.
    name: Text().trim().max(128).nullable().optional(),
  })
  .strict()
  .refine((m) => !m.from.includes(m.into), 'into must not be one of from');

export const PhotoQuery = z.object({ uri: Text().min(1).max(2048) });
export const DetectBody = z.object({ uri: Text().min(1).max(2048) }).strict();

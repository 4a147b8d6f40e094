import { z } from 'zod';
import { FACE_ATTRIBUTE_VALUES } from '../album/face-attributes';
import { CursorSchema, LimitSchema, Text } from './api-schemas';

/** Input shapes of the "ask the album" routes (docs/ask-the-album.md). */

/** Person ids in one `people=`; the bound, and IMM's SimpleQuery takes at most 100 sub-queries. */
export const MAX_PEOPLE_PER_QUERY = 50;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** ISO 8601 date or date-time → full ISO instant; a bare `to` date means the end of that day (UTC). */
const takenBound = (end: 'from' | 'to') =>
  z
    .string()
    .max(40)
    .refine(
      (v) => /^\d{4}-\d{2}-\d{2}/.test(v) && !Number.isNaN(Date.parse(v)),
      `an ISO 8601 date such as 2024-06-01 or 2024-06-01T12:00:00Z`,
    )
    .transform((v) =>
      DATE_ONLY.test(v)
        ? `${v}T${end === 'from' ? '00:00:00.000' : '23:59:59.999'}Z`
        : new Date(v).toISOString(),
    )
    .optional();

/** `?mediaType=image|video`: only photos or only videos. */
const MediaTypeSchema = z.enum(['image', 'video']).optional();

const TakenRange = { from: takenBound('from'), to: takenBound('to') };
const rangeInOrder = (q: { from?: string; to?: string }) => !q.from || !q.to || q.from <= q.to;
const RANGE_ORDER = { message: 'from must not be after to', path: ['from'] };

const attributeFilters = Object.fromEntries(
  Object.entries(FACE_ATTRIBUTE_VALUES).map(([name, values]) => [
    name,
    z.enum(values as unknown as [string, ...string[]]).optional(),
  ]),
) as Record<keyof typeof FACE_ATTRIBUTE_VALUES, z.ZodOptional<z.ZodEnum<Record<string, string>>>>;

/** Strict: an unknown parameter (a misspelt attribute) is refused by name rather than ignored. */
export const PersonPhotosQuerySchema = z
  .strictObject({
    limit: LimitSchema,
    cursor: CursorSchema,
    mediaType: MediaTypeSchema,
    ...TakenRange,
    ...attributeFilters,
  })
  .refine(rangeInOrder, RANGE_ORDER)
  .transform(({ limit, cursor, mediaType, from, to, ...attrs }) => {
    const attributes = Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined));
    return {
      limit,
      cursor,
      from,
      to,
      ...(mediaType ? { mediaType } : {}),
      ...(Object.keys(attributes).length ? { attributes } : {}),
    };
  });

const PersonIds = Text()
  .max(MAX_PEOPLE_PER_QUERY * 257)
  .transform((v) => v.split(',').map((id) => id.trim()))
  .refine(
    (ids) => ids.every((id) => id.length > 0 && id.length <= 256),
    'ids separated by commas, none empty',
  )
  .refine((ids) => ids.length <= MAX_PEOPLE_PER_QUERY, `at most ${MAX_PEOPLE_PER_QUERY} person ids`)
  .transform((ids) => [...new Set(ids)]);

export const PhotosQuerySchema = z
  .strictObject({
    people: PersonIds,
    mediaType: MediaTypeSchema,
    limit: LimitSchema,
    cursor: CursorSchema,
    ...TakenRange,
  })
  .refine(rangeInOrder, RANGE_ORDER);

export const SearchBody = z.strictObject({ uri: Text().min(1).max(2048) });

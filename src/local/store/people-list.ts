import { z } from 'zod';
import { AlbumError } from '../../album/errors';
import type { PeopleQuery, PeopleSort } from '../../album/types';
import { LISTED_PERSON, listedPerson } from './person-stats';

/**
 * The people list, paged by keyset: a cursor holds the sort key and id of the last person of a page,
 * and the next page starts right after it by an index seek, so page 100 costs what page 1 costs.
 * Each sort has an index with and without `hidden` in front (for the hidden filters), partial on
 * listed persons so merged-away and empty persons cost nothing.
 */
const SORT_KEY: Record<PeopleSort, { sql: string; type: 'number' | 'string'; index: string }> = {
  imageCount: { sql: 'image_count', type: 'number', index: 'imageCount' },
  updatedAt: { sql: 'updated_at', type: 'string', index: 'updatedAt' },
  // name_order (people-names.ts): named people first in name_norm order, then unnamed by photo count.
  name: { sql: 'name_order', type: 'string', index: 'name_order' },
};

export const PEOPLE_LIST_INDEXES = `
DROP INDEX IF EXISTS people_by_name;
DROP INDEX IF EXISTS people_by_hidden_name;${Object.values(SORT_KEY)
  .map(
    ({ sql, index }) => `
CREATE INDEX IF NOT EXISTS people_by_${index} ON people(${sql}, id) WHERE ${LISTED_PERSON};
CREATE INDEX IF NOT EXISTS people_by_hidden_${index} ON people(hidden, ${sql}, id) WHERE ${LISTED_PERSON};`,
  )
  .join('')}`;

/** What a people cursor holds: the sort it belongs to, the last sort key and the last id. */
const PeopleCursor = z.tuple([
  z.enum(['imageCount', 'updatedAt', 'name']),
  z.union([z.number(), z.string()]),
  z.string(),
]);

const badCursor = () => new AlbumError('bad_request', 'invalid cursor');

function decodeJson(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
}

export function encodePeopleCursor(sort: PeopleSort, key: number | string, id: string): string {
  return Buffer.from(JSON.stringify([sort, key, id])).toString('base64url');
}

export function decodePeopleCursor(cursor: string, sort: PeopleSort): { key: number | string; id: string } {
  const parsed = PeopleCursor.safeParse(decodeJson(cursor));
  if (!parsed.success) throw badCursor();
  const [cursorSort, key, id] = parsed.data;
  if (cursorSort !== sort) throw new AlbumError('bad_request', `cursor belongs to sort=${cursorSort}`);
  if (typeof key !== SORT_KEY[sort].type || (typeof key === 'number' && !Number.isSafeInteger(key)))
    throw badCursor();
  return { key, id };
}

/** Cursor of a person's photos: the id of the last photo of the page. */
export function encodePhotoCursor(photoId: number): string {
  return Buffer.from(String(photoId)).toString('base64url');
}

export function decodePhotoCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Digits only: "1e20" or "0x10" would pass Number() and then fail inside SQLite.
  const n = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw badCursor();
  return n;
}

/** WHERE, ORDER BY and parameters of one page of people. */
export function peoplePageSql(q: PeopleQuery): { where: string; order: string; params: unknown[] } {
  const key = SORT_KEY[q.sort];
  const dir = q.order === 'asc' ? 'ASC' : 'DESC';
  const where = [listedPerson('people')];
  const params: unknown[] = [];
  if (q.hidden !== 'include') where.push(`people.hidden = ${q.hidden === 'only' ? 1 : 0}`);
  if (q.cursor) {
    const after = decodePeopleCursor(q.cursor, q.sort);
    where.push(`(${key.sql}, people.id) ${dir === 'ASC' ? '>' : '<'} (?, ?)`);
    params.push(after.key, after.id);
  }
  return { where: where.join(' AND '), order: `${key.sql} ${dir}, people.id ${dir}`, params };
}

/** The value of the sort key for a person row (what the next cursor holds). */
export function sortKeyOf(
  sort: PeopleSort,
  row: { image_count: number; updated_at: string; name_order: string },
): number | string {
  return sort === 'imageCount' ? row.image_count : sort === 'updatedAt' ? row.updated_at : row.name_order;
}

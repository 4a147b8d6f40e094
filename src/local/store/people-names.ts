import { normalizeName } from '../../album/name-search';
import type { Db } from './database';
import { hasColumn } from './table-columns';

/**
 * Name search (`GET /people?q=`) without scanning people: every distinct substring (up to PART_MAX
 * characters) of each name's normalized form (album/name-search.ts) is a row, so "people whose name
 * contains q" is one primary-key range read. Names are short (≤ 128 characters) and only people the
 * user named have rows. A longer q is looked up by its first PART_MAX characters and checked against
 * `people.name_norm`.
 */
export const PART_MAX = 24;

export const PEOPLE_NAMES_SQL = `
CREATE TABLE IF NOT EXISTS people_name_parts (
  part TEXT NOT NULL,
  person_id TEXT NOT NULL,
  PRIMARY KEY (part, person_id)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS people_name_parts_delete AFTER DELETE ON people BEGIN
  DELETE FROM people_name_parts WHERE person_id = OLD.id;
END;
`;

/** Distinct substrings of `norm` of 1..PART_MAX characters (code points, so CJK counts one each). */
export function nameParts(norm: string): string[] {
  const chars = [...norm];
  const out = new Set<string>();
  for (let i = 0; i < chars.length; i++)
    for (let n = 1; n <= PART_MAX && i + n <= chars.length; n++) out.add(chars.slice(i, i + n).join(''));
  return [...out];
}

/** The lookup key of a query: its normalized form cut to PART_MAX characters. */
export function queryPart(q: string): { norm: string; part: string } {
  const norm = normalizeName(q);
  return { norm, part: [...norm].slice(0, PART_MAX).join('') };
}

/** Rewrites one person's name rows (in the caller's transaction). */
export function indexPersonName(db: Db, personId: string, name: string | null): void {
  const norm = name ? normalizeName(name) : null;
  db.prepare('UPDATE people SET name_norm = ? WHERE id = ?').run(norm, personId);
  db.prepare('DELETE FROM people_name_parts WHERE person_id = ?').run(personId);
  if (!norm) return;
  const insert = db.prepare('INSERT OR IGNORE INTO people_name_parts (part, person_id) VALUES (?, ?)');
  for (const part of nameParts(norm)) insert.run(part, personId);
}

/**
 * The people list's "name" sort key (people-list.ts), generated so it can be indexed and follows every
 * write of `name_norm` or `image_count` (a rename, its undo, a merge): named people first in the order of
 * their normalized name (the form `?q=` matches, so "émile" sorts beside "emile" and "Zoë" after "alice"),
 * then unnamed people by photo count, most first (the count's complement, zero-padded, sorts as text).
 */
export const NAME_ORDER_COLUMN = `name_order TEXT GENERATED ALWAYS AS (CASE WHEN name_norm IS NULL OR name_norm = ''
  THEN '1' || printf('%015d', 999999999999999 - image_count) ELSE '0' || name_norm END) VIRTUAL`;

/** Adds the columns and table; indexes the names of a data dir made before them once. */
export function migratePeopleNames(db: Db): void {
  const has = (column: string) => hasColumn(db, 'people', column);
  const hadNameNorm = has('name_norm');
  db.transaction(() => {
    if (!hadNameNorm) db.exec('ALTER TABLE people ADD COLUMN name_norm TEXT');
    if (!has('name_order')) db.exec(`ALTER TABLE people ADD COLUMN ${NAME_ORDER_COLUMN}`);
    db.exec(PEOPLE_NAMES_SQL);
    if (!hadNameNorm)
      for (const r of db.prepare('SELECT id, name FROM people WHERE name IS NOT NULL').all() as {
        id: string;
        name: string;
      }[])
        indexPersonName(db, r.id, r.name);
  })();
}

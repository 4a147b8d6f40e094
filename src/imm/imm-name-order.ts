import { z } from 'zod';
import { AlbumError } from '../album/errors';
import { normalizeName } from '../album/name-search';
import type { Page, PersonRecord, SortOrder } from '../album/types';
import type { FigureCluster } from './imm-wire';

/**
 * "Sort by name" on IMM, in the local store's order (local/store/people-names.ts `name_order`): named
 * people first in the order of their normalized name (case-, accent- and width-insensitive, the form
 * `?q=` matches), then unnamed people by photo count, most first; `desc` reverses the whole list.
 * IMM sorts `Name` by its own byte order with unnamed clusters ("") at one end, so:
 * - the named phase reads every named cluster (`Sort=Name`, `desc`, until the first unnamed one: one call
 *   per 100 named people) and orders them here; its cursor is the last (normalized name, id);
 * - the unnamed phase pages `Sort=ImageCount` through IMM and skips named clusters; its cursor is IMM's.
 * A page of the named phase costs one call per 100 named people (not per 100 people of the album).
 */
export type NameCursor =
  /** `after`: the last named person returned; null: the named phase starts. */
  | { phase: 'named'; after: { key: string; id: string } | null }
  | { phase: 'unnamed'; token: string; offset: number; pageSize: number };

const Wire = z.union([
  z.object({ p: z.literal('n'), k: z.string().optional(), i: z.string().optional() }).strict(),
  z
    .object({
      p: z.literal('u'),
      t: z.string(),
      o: z.number().int().min(0),
      m: z.number().int().min(1).max(100),
    })
    .strict(),
]);

export function encodeNameCursor(c: NameCursor): string {
  const wire =
    c.phase === 'named'
      ? { p: 'n', ...(c.after ? { k: c.after.key, i: c.after.id } : {}) }
      : { p: 'u', t: c.token, o: c.offset, m: c.pageSize };
  return Buffer.from(JSON.stringify(wire)).toString('base64url');
}

export function decodeNameCursor(cursor: string | undefined): NameCursor | null {
  if (!cursor) return null;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new AlbumError('bad_request', 'invalid cursor');
  }
  const v = Wire.safeParse(json);
  if (!v.success) throw new AlbumError('bad_request', 'invalid cursor (not one of sort=name)');
  const w = v.data;
  return w.p === 'n'
    ? { phase: 'named', after: w.k !== undefined && w.i !== undefined ? { key: w.k, id: w.i } : null }
    : { phase: 'unnamed', token: w.t, offset: w.o, pageSize: w.m };
}

/** One IMM page of clusters (QueryFigureClusters with the given sort). */
export type ClusterPager = (args: {
  sort: 'Name' | 'ImageCount';
  order: SortOrder;
  pageSize: number;
  token: string;
}) => Promise<{ clusters: FigureCluster[]; nextToken: string }>;

const isNamed = (c: FigureCluster) => Boolean(c.Name);
/** Code point order (UTF-8 bytes), as SQLite compares the local store's keys. */
const cmp = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
const byKey = (a: { key: string; id: string }, b: { key: string; id: string }) =>
  cmp(a.key, b.key) || cmp(a.id, b.id);
/** Pages read per request in the unnamed phase when many clusters in a row are skipped. */
const MAX_UNNAMED_PAGES = 10;

/** Named clusters kept by `keep`, ordered by (normalized name, id). */
async function namedInOrder(
  page: ClusterPager,
  keep: (c: FigureCluster) => boolean,
): Promise<{ key: string; cluster: FigureCluster }[]> {
  const out: { key: string; cluster: FigureCluster }[] = [];
  let token = '';
  for (;;) {
    const res = await page({ sort: 'Name', order: 'desc', pageSize: 100, token });
    let ended = false;
    for (const c of res.clusters) {
      if (!isNamed(c)) {
        ended = true;
        break;
      }
      if (keep(c)) out.push({ key: normalizeName(c.Name!), cluster: c });
    }
    if (ended || !res.nextToken) break;
    token = res.nextToken;
  }
  return out.sort((a, b) =>
    byKey({ key: a.key, id: a.cluster.ObjectId }, { key: b.key, id: b.cluster.ObjectId }),
  );
}

export async function listPeopleByName(args: {
  page: ClusterPager;
  keep: (c: FigureCluster) => boolean;
  toPerson: (c: FigureCluster) => PersonRecord;
  order: SortOrder;
  limit: number;
  cursor: string | undefined;
  /** The unnamed phase's IMM page size for a new phase. */
  pageSize: number;
}): Promise<Page<PersonRecord>> {
  const { page, keep, order, limit } = args;
  const phases: ('named' | 'unnamed')[] = order === 'asc' ? ['named', 'unnamed'] : ['unnamed', 'named'];
  let cursor = decodeNameCursor(args.cursor);
  const items: PersonRecord[] = [];
  for (const phase of phases.slice(cursor ? phases.indexOf(cursor.phase) : 0)) {
    const from = cursor?.phase === phase ? cursor : null;
    cursor = null;
    if (phase === 'named') {
      const named = await namedInOrder(page, keep);
      if (order === 'desc') named.reverse();
      const after = from?.phase === 'named' ? from.after : null;
      const dir = order === 'asc' ? 1 : -1;
      const rest = after
        ? named.filter(({ key, cluster: c }) => byKey({ key, id: c.ObjectId }, after) * dir > 0)
        : named;
      for (const [i, { key, cluster }] of rest.entries()) {
        items.push(args.toPerson(cluster));
        if (items.length >= limit) {
          const more = i + 1 < rest.length || phase !== phases.at(-1);
          return {
            items,
            nextCursor: more
              ? encodeNameCursor({ phase: 'named', after: { key, id: cluster.ObjectId } })
              : null,
          };
        }
      }
      continue;
    }
    const unnamed = from?.phase === 'unnamed' ? from : null;
    const pageSize = unnamed?.pageSize ?? args.pageSize;
    let token = unnamed?.token ?? '';
    let offset = unnamed?.offset ?? 0;
    for (let pages = 0; ; pages++) {
      if (pages >= MAX_UNNAMED_PAGES)
        // Many skipped in a row: return what there is and let the caller continue.
        return { items, nextCursor: encodeNameCursor({ phase: 'unnamed', token, offset: 0, pageSize }) };
      const res = await page({
        sort: 'ImageCount',
        order: order === 'asc' ? 'desc' : 'asc',
        pageSize,
        token,
      });
      for (let i = offset; i < res.clusters.length; i++) {
        const c = res.clusters[i]!;
        if (isNamed(c) || !keep(c)) continue;
        items.push(args.toPerson(c));
        if (items.length >= limit) {
          const next =
            i + 1 < res.clusters.length
              ? encodeNameCursor({ phase: 'unnamed', token, offset: i + 1, pageSize })
              : res.nextToken
                ? encodeNameCursor({ phase: 'unnamed', token: res.nextToken, offset: 0, pageSize })
                : phase !== phases.at(-1)
                  ? encodeNameCursor({ phase: 'named', after: null })
                  : null;
          return { items, nextCursor: next };
        }
      }
      if (!res.nextToken) break;
      token = res.nextToken;
      offset = 0;
    }
  }
  return { items, nextCursor: null };
}

import { AlbumError } from '../album/errors';

/**
 * Opaque cursors over IMM pages: IMM's NextToken plus how many items of that page were already
 * returned, and the page size used (the offset is only meaningful for the same MaxResults).
 */
export interface ImmCursor {
  token: string;
  offset: number;
  pageSize: number;
}

export function encodeCursor(c: ImmCursor): string {
  return Buffer.from(JSON.stringify({ t: c.token, o: c.offset, m: c.pageSize })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): ImmCursor | null {
  if (!cursor) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      t?: unknown;
      o?: unknown;
      m?: unknown;
    };
    if (
      typeof v.t === 'string' &&
      Number.isInteger(v.o) &&
      (v.o as number) >= 0 &&
      Number.isInteger(v.m) &&
      (v.m as number) >= 1 &&
      (v.m as number) <= 100
    ) {
      return { token: v.t, offset: v.o as number, pageSize: v.m as number };
    }
  } catch {
    /* fall through */
  }
  throw new AlbumError('bad_request', 'invalid cursor');
}

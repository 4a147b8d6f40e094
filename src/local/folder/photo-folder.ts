import type { Stats } from 'node:fs';
import { lstat, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { AlbumError } from '../../album/errors';

/** The stamp a file is remembered by: its target's size and mtime, or the link's own when the target is gone. */
export async function fileStamp(abs: string): Promise<{ size: number; mtimeMs: number } | null> {
  for (const read of [stat, lstat]) {
    try {
      const st = await read(abs);
      return { size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      /* try the next */
    }
  }
  return null;
}

/**
 * The photos folder standing in for the bucket. Keys are POSIX paths relative to the folder, exactly
 * as OSS keys would be. Every key is resolved here so nothing outside the folder is ever read.
 */
export class PhotoFolder {
  private realRoot: string | null = null;

  constructor(readonly root: string) {}

  /** Absolute path for a key; rejects keys that climb out of the folder. */
  pathOf(key: string): string {
    if (!key || key.includes('\0') || isAbsolute(key) || key.split('/').some((part) => part === '..')) {
      throw new AlbumError('bad_request', `not a key inside the photos folder: ${JSON.stringify(key)}`);
    }
    return join(this.root, ...key.split('/'));
  }

  keyOf(absPath: string): string | null {
    const rel = relative(this.root, absPath);
    if (!rel || rel.startsWith('..') || isAbsolute(rel)) return null;
    return rel.split(sep).join('/');
  }

  /**
   * Resolves a key to a regular file whose real location is inside the folder (symlinks are followed
   * only while they stay inside). Returns why not otherwise; a missing file is `missing`. A symlink that
   * leads nowhere (dangling, or a loop) is a file that will not index, stamped with the link's own stamp
   * (what the folder walk sees), so it is remembered as refused instead of retried on every restart.
   */
  async resolveFile(key: string): Promise<
    | { ok: true; path: string; size: number; mtimeMs: number }
    | {
        ok: false;
        reason: 'missing' | 'outside_folder' | 'not_a_file' | 'broken_symlink';
        message: string;
        stamp?: { size: number; mtimeMs: number };
      }
  > {
    const abs = this.pathOf(key);
    const missing = { ok: false, reason: 'missing', message: 'file does not exist (deleted?)' } as const;
    const codeOf = (err: unknown) => (err as NodeJS.ErrnoException).code;
    const gone = (err: unknown) => codeOf(err) === 'ENOENT' || codeOf(err) === 'ENOTDIR';
    let link: Stats;
    try {
      link = await lstat(abs);
    } catch (err) {
      if (gone(err)) return missing;
      if (codeOf(err) === 'ELOOP') return { ok: false, reason: 'not_a_file', message: 'symlink loop' };
      throw err;
    }
    let real = abs;
    if (link.isSymbolicLink()) {
      const linkStamp = { size: link.size, mtimeMs: link.mtimeMs };
      try {
        real = await realpath(abs);
      } catch (err) {
        if (gone(err))
          return {
            ok: false,
            reason: 'broken_symlink',
            message: 'symlink points to nothing',
            stamp: linkStamp,
          };
        if (codeOf(err) === 'ELOOP')
          return { ok: false, reason: 'broken_symlink', message: 'symlink loop', stamp: linkStamp };
        throw err;
      }
      this.realRoot ??= await realpath(this.root);
      const rel = relative(this.realRoot, real);
      if (rel.startsWith('..') || isAbsolute(rel)) {
        return {
          ok: false,
          reason: 'outside_folder',
          message: 'symlink points outside the photos folder',
          stamp: (await fileStamp(abs)) ?? undefined,
        };
      }
    }
    let st: Stats;
    try {
      st = await stat(real);
    } catch (err) {
      if (gone(err)) return missing;
      throw err;
    }
    if (!st.isFile())
      return {
        ok: false,
        reason: 'not_a_file',
        message: 'not a regular file',
        stamp: { size: st.size, mtimeMs: st.mtimeMs },
      };
    return { ok: true, path: real, size: st.size, mtimeMs: st.mtimeMs };
  }
}

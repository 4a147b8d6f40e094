import { constants, type Stats } from 'node:fs';
import { access, lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { AlbumError } from '../../album/errors';
import type { Logger } from '../../log/logger';

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

/** What the album says of a file it may not read (the file's mode, or a folder on the way). */
export const UNREADABLE = 'permission denied: the album may not read this file';

function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a file';
}

/** Where a key leads: a readable regular file inside the folder, or why not. */
export type Resolved =
  | { ok: true; path: string; size: number; mtimeMs: number }
  | {
      ok: false;
      reason: 'missing' | 'outside_folder' | 'not_a_file' | 'broken_symlink' | 'unreadable';
      message: string;
      stamp?: { size: number; mtimeMs: number };
    };

/**
 * The photos folder standing in for the bucket. Keys are POSIX paths relative to the folder, exactly
 * as OSS keys would be. Every key is resolved here so nothing outside the folder is ever read.
 */
export class PhotoFolder {
  private realRoot: string | null = null;

  /** `log`: where a refused read of something outside the folder is reported (one line each). */
  constructor(
    readonly root: string,
    private readonly log?: Logger,
  ) {}

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

  /** Whether a real (fully resolved) path lies inside the folder's real path. */
  private async inside(real: string): Promise<boolean> {
    this.realRoot ??= await realpath(this.root);
    const rel = relative(this.realRoot, real);
    return !rel.startsWith('..') && !isAbsolute(rel);
  }

  /**
   * The real path of the deepest existing folder on the way to `abs`: every component resolved, so a
   * linked folder anywhere on the path is followed to where it really leads.
   */
  private async realParent(abs: string): Promise<string> {
    let dir = dirname(abs);
    for (;;) {
      try {
        return await realpath(dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const up = dirname(dir);
        if ((code !== 'ENOENT' && code !== 'ENOTDIR') || up === dir) throw err;
        dir = up;
      }
    }
  }

  /**
   * Resolves a key to a regular file whose real location is inside the folder: the whole path is
   * resolved (a linked folder on the way as much as a linked file), and anything leading outside is
   * refused whether or not it exists there, so the answer tells nothing about the outside. Returns why
   * not otherwise; a missing file is `missing`. A symlink that leads nowhere (dangling, or a loop) is a
   * file that will not index, stamped with the link's own stamp (what the folder walk sees), so it is
   * remembered as refused instead of retried on every restart. `quiet`: the caller logs the refusal itself.
   */
  async resolveFile(key: string, opts: { quiet?: boolean } = {}): Promise<Resolved> {
    const abs = this.pathOf(key);
    try {
      return await this.resolveInside(key, abs, opts);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A folder on the way the album may not enter: the file is there for someone, not for the album.
      if (code === 'EACCES' || code === 'EPERM')
        return {
          ok: false,
          reason: 'unreadable',
          message: UNREADABLE,
          stamp: (await fileStamp(abs)) ?? undefined,
        };
      if (code === 'ENAMETOOLONG')
        throw new AlbumError(
          'bad_request',
          'file name too long (over 255 bytes in a name, or 4096 in the path)',
        );
      throw err;
    }
  }

  private async resolveInside(key: string, abs: string, opts: { quiet?: boolean }): Promise<Resolved> {
    const missing = { ok: false, reason: 'missing', message: 'file does not exist (deleted?)' } as const;
    const codeOf = (err: unknown) => (err as NodeJS.ErrnoException).code;
    const gone = (err: unknown) => codeOf(err) === 'ENOENT' || codeOf(err) === 'ENOTDIR';
    const outside = async () => {
      if (!opts.quiet) this.log?.warn('folder.outside_refused', { key });
      return {
        ok: false,
        reason: 'outside_folder',
        message: 'leads outside the photos folder (a symlink)',
        stamp: (await fileStamp(abs)) ?? undefined,
      } as const;
    };
    let parent: string;
    try {
      parent = await this.realParent(abs);
    } catch (err) {
      if (codeOf(err) === 'ELOOP') return { ok: false, reason: 'not_a_file', message: 'symlink loop' };
      throw err;
    }
    if (!(await this.inside(parent))) return outside();
    const inParent = join(parent, basename(abs));
    let link: Stats;
    try {
      link = await lstat(inParent);
    } catch (err) {
      if (gone(err)) return missing;
      if (codeOf(err) === 'ELOOP') return { ok: false, reason: 'not_a_file', message: 'symlink loop' };
      throw err;
    }
    let real = inParent;
    if (link.isSymbolicLink()) {
      const linkStamp = { size: link.size, mtimeMs: link.mtimeMs };
      try {
        real = await realpath(inParent);
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
      if (!(await this.inside(real))) return outside();
    }
    let st: Stats;
    try {
      st = await stat(real);
    } catch (err) {
      if (gone(err)) return missing;
      throw err;
    }
    const stamp = { size: st.size, mtimeMs: st.mtimeMs };
    if (!st.isFile())
      return { ok: false, reason: 'not_a_file', message: `not a regular file (${fileKind(st)})`, stamp };
    // Checked here, not left to the reader: every read path answers the same refusal, with a stamp.
    try {
      await access(real, constants.R_OK);
    } catch (err) {
      if (codeOf(err) !== 'EACCES' && codeOf(err) !== 'EPERM') throw err;
      return { ok: false, reason: 'unreadable', message: UNREADABLE, stamp };
    }
    return { ok: true, path: real, size: st.size, mtimeMs: st.mtimeMs };
  }
}

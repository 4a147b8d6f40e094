import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { classifyPhotoKey } from '../../album/photo-filter';
import type { Logger } from '../../log/logger';
import { fileStamp, type PhotoFolder } from '../folder/photo-folder';
import type { FileStamp } from '../store/photo-store';
import type { FolderChange } from './oss-event-builder';

/** Hidden files and folders (editor temp files, ._ AppleDouble, the data dir) are not photos. */
export const isHiddenName = (name: string): boolean => name.startsWith('.');

/** The data dir when it lies inside the photos folder (so its files are never taken for photos). */
export function nestedDataDir(photosDir: string, dataDir: string): string | undefined {
  const rel = relative(resolve(photosDir), resolve(dataDir));
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? resolve(dataDir) : undefined;
}

const STAT_BATCH = 64;

async function isDirectoryLink(abs: string): Promise<boolean> {
  try {
    return (await stat(abs)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Every photo-named file under the folder with its stamp. Symlinked folders are not entered (one may
 * lead outside the folder, or back into it): `log` hears once per walk about each one skipped.
 */
export async function walkPhotos(
  folder: PhotoFolder,
  skipDir?: string,
  log?: Logger,
): Promise<Map<string, FileStamp>> {
  const found = new Map<string, FileStamp>();
  const visit = async (dir: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      // Gone since it was listed: nothing to say. A folder the album may not list: its photos are not
      // refused one by one (they cannot be seen), so the walk says so.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM')
        log?.warn('folder.unreadable_dir', { key: folder.keyOf(dir) ?? '', reason: code });
      return;
    }
    const files: { key: string; abs: string }[] = [];
    for (const entry of entries) {
      if (isHiddenName(entry.name)) continue;
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (abs !== skipDir) await visit(abs);
        continue;
      }
      const key = folder.keyOf(abs);
      if (!key) continue;
      if (entry.isSymbolicLink() && (await isDirectoryLink(abs))) {
        log?.info('folder.directory_link_skipped', { key });
        continue;
      }
      // Not only regular files: a FIFO, socket or device named like a photo is handed on too, so the
      // indexer refuses it with a reason instead of it going unmentioned.
      if (classifyPhotoKey(key, '').accept) files.push({ key, abs });
    }
    // A folder's stamps are read in parallel: one at a time, the walk waited on each stat in turn.
    for (let i = 0; i < files.length; i += STAT_BATCH) {
      const batch = files.slice(i, i + STAT_BATCH);
      const stamps = await Promise.all(batch.map((f) => fileStamp(f.abs)));
      batch.forEach((f, j) => {
        const stamp = stamps[j];
        if (stamp) found.set(f.key, stamp);
      });
    }
  };
  await visit(folder.root);
  return found;
}

/** What changed while nobody watched: new or changed files, and known files that are gone. */
export function reconcile(onDisk: Map<string, FileStamp>, known: Map<string, FileStamp>): FolderChange[] {
  const changes: FolderChange[] = [];
  for (const key of known.keys()) if (!onDisk.has(key)) changes.push({ kind: 'removed', key });
  for (const [key, stamp] of [...onDisk].sort(([a], [b]) => a.localeCompare(b))) {
    const was = known.get(key);
    if (!was || was.size !== stamp.size || was.mtimeMs !== stamp.mtimeMs)
      changes.push({ kind: 'created', key, size: stamp.size });
  }
  return changes;
}

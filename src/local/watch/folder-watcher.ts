import { basename, resolve, sep } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { classifyPhotoKey } from '../../album/photo-filter';
import type { PhotoFolder } from '../folder/photo-folder';
import { isHiddenName } from './folder-walk';
import type { FolderChange } from './oss-event-builder';

export interface FolderWatcherOptions {
  folder: PhotoFolder;
  onChange: (change: FolderChange) => void;
  /** Keys known under a removed directory (some platforms report only the directory). */
  keysUnder: (prefix: string) => string[];
  /** The data dir, when it lies inside the photos folder. */
  skipDir?: string;
  /** A file counts as written once its size has not changed for this long. */
  stabilityMs?: number;
  pollMs?: number;
  /** Use polling (network drives, some containers). */
  usePolling?: boolean;
}

/**
 * Turns file-system events into folder changes. chokidar's awaitWriteFinish holds back a file until
 * its size is stable, so a photo being copied in is not read half-way; the indexer checks the file
 * stamp again after reading as a second guard.
 */
export async function watchFolder(opts: FolderWatcherOptions): Promise<FSWatcher> {
  const root = resolve(opts.folder.root);
  const skip = opts.skipDir ? resolve(opts.skipDir) : null;
  const watcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: false,
    alwaysStat: true,
    usePolling: opts.usePolling ?? false,
    awaitWriteFinish: { stabilityThreshold: opts.stabilityMs ?? 1500, pollInterval: opts.pollMs ?? 100 },
    ignored: (path: string) => {
      const abs = resolve(path);
      if (abs === root) return false;
      if (skip && (abs === skip || abs.startsWith(skip + sep))) return true;
      return isHiddenName(basename(abs));
    },
  });
  const photoKey = (path: string): string | null => {
    const key = opts.folder.keyOf(resolve(path));
    return key && classifyPhotoKey(key, '').accept ? key : null;
  };
  // chokidar reports existing symlinks as 'add' during its initial scan despite ignoreInitial; the
  // catch-up walk after 'ready' is what covers files that were already there.
  let ready = false;
  watcher.on('add', (path, stats) => {
    const key = ready && photoKey(path);
    if (key) opts.onChange({ kind: 'created', key, size: stats?.size });
  });
  watcher.on('change', (path, stats) => {
    const key = ready && photoKey(path);
    if (key) opts.onChange({ kind: 'created', key, size: stats?.size });
  });
  watcher.on('unlink', (path) => {
    const key = ready && photoKey(path);
    if (key) opts.onChange({ kind: 'removed', key });
  });
  watcher.on('unlinkDir', (path) => {
    const dirKey = ready && opts.folder.keyOf(resolve(path));
    if (dirKey) for (const key of opts.keysUnder(`${dirKey}/`)) opts.onChange({ kind: 'removed', key });
  });
  await new Promise<void>((done, fail) => {
    watcher.once('ready', done);
    watcher.once('error', fail);
  });
  ready = true;
  return watcher;
}

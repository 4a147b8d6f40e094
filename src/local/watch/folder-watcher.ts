import { type Dirent, type FSWatcher as FsWatcher, type Stats, watch } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import { classifyPhotoKey } from '../../album/photo-filter';
import { fileStamp, type PhotoFolder } from '../folder/photo-folder';
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

/** What the daemon holds while it watches. */
export interface FolderWatcher {
  close(): Promise<void>;
}

/**
 * Turns file-system events into folder changes. A file is reported once its size and mtime have been
 * stable for `stabilityMs`, so a photo being copied in is not read half-way; the indexer checks the file
 * stamp again after reading as a second guard. With `usePolling` (network drives) chokidar polls every
 * file; otherwise one OS watch per directory (inotify reports its files' changes) — chokidar also
 * watches every file, which at 100k photos cost ~630 MB of the server's memory and 100k inotify watches.
 */
export async function watchFolder(opts: FolderWatcherOptions): Promise<FolderWatcher> {
  return opts.usePolling ? watchWithChokidar(opts) : watchDirectories(opts);
}

async function watchWithChokidar(opts: FolderWatcherOptions): Promise<FSWatcher> {
  const root = resolve(opts.folder.root);
  const skip = opts.skipDir ? resolve(opts.skipDir) : null;
  const watcher = chokidarWatch(root, {
    ignoreInitial: true,
    followSymlinks: false,
    alwaysStat: true,
    usePolling: true,
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

/** One fs.watch per directory of the folder; files are stat-ed when their directory reports them. */
async function watchDirectories(opts: FolderWatcherOptions): Promise<FolderWatcher> {
  const root = resolve(opts.folder.root);
  const skip = opts.skipDir ? resolve(opts.skipDir) : null;
  const stabilityMs = opts.stabilityMs ?? 1500;
  const pollMs = opts.pollMs ?? 100;
  const dirs = new Map<string, FsWatcher>();
  const settling = new Map<string, NodeJS.Timeout>();
  let closed = false;

  const ignored = (abs: string) =>
    abs !== root &&
    ((skip !== null && (abs === skip || abs.startsWith(skip + sep))) || isHiddenName(basename(abs)));
  const photoKey = (abs: string): string | null => {
    const key = opts.folder.keyOf(abs);
    return key && classifyPhotoKey(key, '').accept ? key : null;
  };

  /** Reports a photo once its stamp stopped changing (a copy in progress keeps changing it). */
  const settle = (abs: string) => {
    const key = photoKey(abs);
    if (!key) return;
    clearTimeout(settling.get(abs));
    let last = '';
    let since = Date.now();
    const check = async () => {
      const stamp = await fileStamp(abs);
      if (closed) return;
      if (!stamp) {
        settling.delete(abs);
        opts.onChange({ kind: 'removed', key });
        return;
      }
      const now = `${stamp.size}:${stamp.mtimeMs}`;
      if (now !== last) {
        last = now;
        since = Date.now();
      }
      if (Date.now() - since >= stabilityMs) {
        settling.delete(abs);
        opts.onChange({ kind: 'created', key, size: stamp.size });
      } else settling.set(abs, setTimeout(check, pollMs));
    };
    settling.set(abs, setTimeout(check, pollMs));
  };

  const forgetDir = (dir: string) => {
    for (const [d, w] of dirs)
      if (d === dir || d.startsWith(dir + sep)) {
        w.close();
        dirs.delete(d);
      }
    const dirKey = opts.folder.keyOf(dir);
    if (dirKey) for (const key of opts.keysUnder(`${dirKey}/`)) opts.onChange({ kind: 'removed', key });
  };

  const onEvent = async (abs: string) => {
    if (closed || ignored(abs)) return;
    let st: Stats | null = null;
    try {
      st = await lstat(abs);
    } catch {
      /* gone */
    }
    if (closed) return;
    if (!st) {
      if (dirs.has(abs)) forgetDir(abs);
      else {
        clearTimeout(settling.get(abs));
        settling.delete(abs);
        const key = photoKey(abs);
        if (key) opts.onChange({ kind: 'removed', key });
      }
      return;
    }
    if (st.isDirectory()) await watchDir(abs, true);
    // Any other kind (a FIFO, a socket) too: the indexer refuses it with a reason.
    else settle(abs);
  };

  /** Watches `dir` and the folders under it; `announce`: its files are new (a folder moved or copied in). */
  const watchDir = async (dir: string, announce: boolean): Promise<void> => {
    if (closed || dirs.has(dir) || ignored(dir)) return;
    let watcher: FsWatcher;
    try {
      watcher = watch(dir, (_event, name) => {
        if (name) void onEvent(join(dir, name.toString()));
      });
    } catch {
      return; // gone already, or no watch left (the catch-up walk after a restart still sees it)
    }
    watcher.on('error', () => {
      watcher.close();
      dirs.delete(dir);
    });
    dirs.set(dir, watcher);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const abs = join(dir, entry.name);
      if (ignored(abs)) continue;
      if (entry.isDirectory()) await watchDir(abs, announce);
      else if (announce) settle(abs);
    }
  };

  await watchDir(root, false);
  return {
    close: async () => {
      closed = true;
      for (const w of dirs.values()) w.close();
      dirs.clear();
      for (const t of settling.values()) clearTimeout(t);
      settling.clear();
    },
  };
}

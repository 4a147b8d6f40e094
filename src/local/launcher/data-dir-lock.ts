import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One indexing process per data dir: two watchers on one album would analyse every photo twice.
 * A lock left by a process that died is taken over.
 */
export function lockDataDir(dataDir: string, what: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'album.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, what, since: new Date().toISOString() }), {
        flag: 'wx',
      });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder: { pid?: number; what?: string } = {};
      try {
        holder = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        /* unreadable: treat as stale */
      }
      if (holder.pid && holder.pid !== process.pid && alive(holder.pid)) {
        throw new Error(
          `another face-album (${holder.what ?? 'process'}, pid ${holder.pid}) is using ${dataDir}; stop it first`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

/** Opens what the lock just taken guards; if opening fails, the lock is released before the error goes on. */
export async function openLocked<T>(unlock: () => void, open: () => T | Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    unlock();
    throw err;
  }
}

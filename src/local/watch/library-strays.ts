import { libraryOfKey } from '../../library/library-key';
import type { Logger } from '../../log/logger';
import type { FolderChange } from './oss-event-builder';

/**
 * The catch-up walk's photos outside any library — directly in the photos folder, or in a folder whose name
 * is not a library name — are logged once per file or folder and not sent to the indexer (which would skip
 * them one by one, on every start). Live changes there still reach the indexer, which skips them as on FC.
 */
export function withoutStrays(changes: FolderChange[], log: Logger): FolderChange[] {
  const kept: FolderChange[] = [];
  const strays = new Map<string, { reason: string; photos: number }>();
  for (const change of changes) {
    const of = libraryOfKey(change.key, '');
    if (of.library !== null) {
      kept.push(change);
      continue;
    }
    const slash = change.key.indexOf('/');
    const path = slash < 0 ? change.key : change.key.slice(0, slash + 1);
    const stray = strays.get(path) ?? { reason: of.reason, photos: 0 };
    stray.photos++;
    strays.set(path, stray);
  }
  for (const [path, { reason, photos }] of strays)
    log.warn('library.skipped', { path, ...(path.endsWith('/') ? { photos } : {}), reason });
  return kept;
}

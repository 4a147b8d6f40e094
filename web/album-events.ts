/**
 * The album changed somewhere else (an undo, another tab, the indexer): every shown view refetches what
 * it shows. Kept apart from people-events (edits made by this page, applied in place).
 */
const listeners = new Set<() => void>();

export function onAlbumChanged(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function albumChanged(): void {
  for (const fn of listeners) fn();
}

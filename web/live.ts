import { albumChanged } from './album-events';
import { api, type Changes, hasEditLog, isMissingRoute, type PageCaps } from './api';

const EVERY_MS = 5000;

/**
 * Live refresh: polls the cheap `GET /changes` every 5 s (and when the tab regains focus) and tells the
 * shown views to refetch only when its generation moved. A server without /changes: its /stats counts
 * stand in for the generation, every 15 s.
 */
export function watchChanges(caps: PageCaps, onIndexing: (c: Changes['indexing']) => void): () => void {
  let generation: string | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let legacy = !hasEditLog(caps);
  const viaStats = (): Promise<Changes> =>
    api.stats().then((s) => ({
      generation: `${s.photoCount}:${s.faceCount}:${s.personCount}:${s.lastClustering?.endedAt ?? ''}`,
      indexing: { queued: s.indexing?.queued ?? 0, running: 0 },
    }));
  const tick = () => {
    clearTimeout(timer);
    (legacy ? viaStats() : api.changes()).then(
      (c) => {
        if (stopped) return;
        if (generation !== null && c.generation !== generation) albumChanged();
        generation = c.generation;
        onIndexing(c.indexing);
        timer = setTimeout(tick, legacy ? EVERY_MS * 3 : EVERY_MS);
      },
      (err) => {
        if (stopped) return;
        if (isMissingRoute(err) && !legacy) {
          legacy = true;
          tick();
        } else timer = setTimeout(tick, EVERY_MS * 3);
      },
    );
  };
  const onFocus = () => document.visibilityState === 'visible' && tick();
  document.addEventListener('visibilitychange', onFocus);
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onFocus);
  };
}

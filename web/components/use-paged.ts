import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Page } from '../api';

export interface Paged<T> {
  items: T[];
  setItems: (update: (items: T[]) => T[]) => void;
  loading: boolean;
  done: boolean;
  error: unknown;
  loadMore: () => void;
  reload: () => void;
  /** Refetches as many items as are shown and swaps them in at once (live refresh: no flicker, no jump). */
  refresh: () => void;
}

/**
 * Cursor paging for infinite lists: one request in flight, responses of an older query (the sort
 * changed meanwhile) are dropped, an error stays on screen with a retry.
 */
export function usePaged<T>(fetchPage: (cursor?: string) => Promise<Page<T>>, key: string): Paged<T> {
  const [items, setItemsState] = useState<T[]>([]);
  const [loading, setLoading] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const state = useRef({ cursor: undefined as string | undefined, generation: 0, busy: false, done: false });
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const shown = useRef(0);
  shown.current = items.length;

  const loadMore = useCallback(() => {
    const s = state.current;
    if (s.busy || s.done) return;
    s.busy = true;
    const generation = s.generation;
    setLoading(true);
    setError(null);
    fetchRef.current(s.cursor).then(
      (page) => {
        if (generation !== s.generation) return;
        s.busy = false;
        s.cursor = page.nextCursor ?? undefined;
        s.done = !page.nextCursor;
        setItemsState((old) => [...old, ...page.items]);
        setDone(s.done);
        setLoading(false);
      },
      (err: unknown) => {
        if (generation !== s.generation) return;
        s.busy = false;
        setError(err);
        setLoading(false);
      },
    );
  }, []);

  const reload = useCallback(() => {
    const s = state.current;
    s.generation++;
    s.cursor = undefined;
    s.busy = false;
    s.done = false;
    setItemsState([]);
    setDone(false);
    setError(null);
    loadMore();
  }, [loadMore]);

  const refresh = useCallback(async () => {
    const s = state.current;
    const want = Math.max(shown.current, 1);
    const generation = ++s.generation;
    s.busy = true;
    const all: T[] = [];
    let cursor: string | undefined;
    try {
      do {
        const page = await fetchRef.current(cursor);
        if (generation !== s.generation) return;
        all.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && all.length < want);
    } catch {
      // The list shown stays; the next change signal tries again.
      if (generation === s.generation) s.busy = false;
      return;
    }
    s.busy = false;
    s.cursor = cursor;
    s.done = !cursor;
    setItemsState(all);
    setDone(s.done);
    setError(null);
    setLoading(false);
  }, []);

  useEffect(reload, [key]);

  return { items, setItems: setItemsState, loading, done, error, loadMore, reload, refresh };
}

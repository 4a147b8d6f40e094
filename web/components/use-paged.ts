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

  useEffect(reload, [key]);

  return { items, setItems: setItemsState, loading, done, error, loadMore, reload };
}

import { useEffect, useRef } from 'preact/hooks';
import { ErrorNote } from './error-note';
import type { Paged } from './use-paged';

/**
 * The end of an infinite list: loads the next page when it comes near the viewport, and is a real
 * button for keyboard users (and browsers without IntersectionObserver).
 */
export function LoadMore({
  list,
  label,
}: {
  list: Pick<Paged<unknown>, 'loadMore' | 'done' | 'loading' | 'error'>;
  label: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const { loadMore, done, loading, error } = list;
  useEffect(() => {
    const el = ref.current;
    if (!el || done || error || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && loadMore(), {
      rootMargin: '1200px 0px',
    });
    io.observe(el);
    return () => io.disconnect();
  }, [loadMore, done, error, loading]);
  if (error) return <ErrorNote error={error} retry={loadMore} />;
  if (done) return null;
  return (
    <div ref={ref} class="load-more">
      {loading ? (
        <span role="status">Loading…</span>
      ) : (
        <button type="button" onClick={loadMore}>
          {label}
        </button>
      )}
    </div>
  );
}

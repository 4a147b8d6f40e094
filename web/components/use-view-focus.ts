import { useEffect } from 'preact/hooks';

/**
 * The tab title names the view, and keyboard focus moves to the view's heading when it opens (not left
 * on <body>, where the next Tab would start from the top of the page).
 */
export function useViewTitle(title: string | null, headingId: string, active = true): void {
  useEffect(() => {
    if (active && title) document.title = `${title} · face-album`;
  }, [title, active]);
  useEffect(() => {
    if (!active || !title) return;
    const h = document.getElementById(headingId);
    if (h && !h.contains(document.activeElement) && document.activeElement === document.body)
      h.focus({ preventScroll: true });
  }, [active, headingId, !!title]);
}

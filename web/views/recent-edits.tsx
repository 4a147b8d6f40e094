import { useCallback, useEffect } from 'preact/hooks';
import { albumChanged, onAlbumChanged } from '../album-events';
import { api, type Edit, messageOf } from '../api';
import { reportEdit } from '../components/edit-status';
import { LoadMore } from '../components/load-more';
import { usePaged } from '../components/use-paged';

/**
 * The server's edit log, newest first: what was done, when, and "Undo" for what can still be undone. The
 * log outlives a reload, so an edit whose status line is gone can be undone here.
 */
export function RecentEdits() {
  const fetchPage = useCallback((cursor?: string) => api.edits(cursor), []);
  const list = usePaged<Edit>(fetchPage, 'edits');
  const { refresh } = list;
  useEffect(() => onAlbumChanged(refresh), [refresh]);
  const undo = (e: Edit) =>
    api.undo(e.id).then(
      ({ edit }) => {
        reportEdit(`Undone: ${edit.summary}`, null);
        albumChanged();
      },
      (err) => reportEdit(`Could not undo: ${messageOf(err)}`, null),
    );
  return (
    <>
      <h2>Recent edits</h2>
      <ol class="edits" aria-label="Recent edits">
        {list.items.map((e) => (
          <li key={e.id}>
            <span>{e.summary}</span>{' '}
            <span class="muted">
              {new Date(e.createdAt).toLocaleString()}
              {e.undoneAt ? ` · undone ${new Date(e.undoneAt).toLocaleString()}` : ''}
            </span>{' '}
            {e.undoable && !e.undoneAt && (
              <button type="button" aria-label={`Undo: ${e.summary}`} onClick={() => undo(e)}>
                Undo
              </button>
            )}
          </li>
        ))}
      </ol>
      {list.done && !list.items.length && <p class="muted">No edits yet.</p>}
      <LoadMore list={list} label="Show older edits" />
    </>
  );
}

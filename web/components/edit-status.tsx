import { useEffect, useState } from 'preact/hooks';
import { albumChanged } from '../album-events';
import { api, messageOf } from '../api';

interface Shown {
  message: string;
  editId: string | null;
  state: 'done' | 'undoing' | 'undone' | 'failed';
}
let show: (s: Shown) => void = () => {};

/**
 * Says what an edit did, with "Undo" when the server logged it (X-Album-Edit-Id; local backend). Every
 * view reports its edits here, so the one status line and its button are always in the same place.
 */
export function reportEdit(message: string, editId: string | null): void {
  show({ message, editId, state: 'done' });
}

export function EditStatus() {
  const [shown, setShown] = useState<Shown | null>(null);
  useEffect(() => {
    show = setShown;
    return () => {
      show = () => {};
    };
  }, []);
  const undo = (editId: string) => {
    setShown((s) => s && { ...s, state: 'undoing' });
    api.undo(editId).then(
      ({ edit }) => {
        setShown({ message: `Undone: ${edit.summary}`, editId: null, state: 'undone' });
        albumChanged();
      },
      (err) => setShown((s) => s && { ...s, message: `Could not undo: ${messageOf(err)}`, state: 'failed' }),
    );
  };
  return (
    <div class={`edit-status${shown ? ' shown' : ''}`} role="status">
      {shown && (
        <>
          <span>{shown.message}</span>
          {shown.editId && shown.state !== 'undone' && (
            <button
              type="button"
              disabled={shown.state === 'undoing'}
              onClick={() => shown.editId && undo(shown.editId)}
            >
              Undo
            </button>
          )}
          <button type="button" class="plain" aria-label="Dismiss" onClick={() => setShown(null)}>
            ×
          </button>
        </>
      )}
    </div>
  );
}

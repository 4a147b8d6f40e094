import { messageOf } from '../api';

/** An API error shown where it happened, with its message (never a blank page). */
export function ErrorNote({ error, retry }: { error: unknown; retry?: () => void }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {messageOf(error)}{' '}
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </p>
  );
}

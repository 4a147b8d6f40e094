import type { LibraryList } from '../api';

/**
 * Which library the page shows (prefix mode). The admin key chooses among all of them; a library token
 * opens one, so it is only named. A native <select>: labelled, keyboard-operable and announced as is.
 */
export function LibraryPicker({
  list,
  current,
  onChoose,
}: {
  list: LibraryList;
  current: string | null;
  onChoose: (name: string) => void;
}) {
  if (list.access === 'library')
    return (
      <p class="library">
        Library <strong>{current}</strong>
      </p>
    );
  return (
    <div class="library">
      <label for="library-picker">Library</label>
      <select
        id="library-picker"
        value={current ?? ''}
        onChange={(e) => {
          const name = (e.target as HTMLSelectElement).value;
          if (name) onChoose(name);
        }}
      >
        {!current && <option value="">Choose a library…</option>}
        {list.items.map(({ name }) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </div>
  );
}

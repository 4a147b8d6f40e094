import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, displayName, type Person, personLabel, photoCount } from '../api';
import { FaceImage } from './face-image';
import { LoadMore } from './load-more';
import { useDebounced } from './use-debounced';
import { usePaged } from './use-paged';

/**
 * Named people before unnamed ones, each keeping its order: a name is what a person looks for. (The
 * server's name sort puts unnamed people first; in a picker, reordering as pages arrive does no harm.)
 */
export const namedFirst = (people: Person[]): Person[] => [
  ...people.filter((p) => p.name),
  ...people.filter((p) => !p.name),
];

/** Name contains the text, ignoring case and accents: what the server's `?q=` does, applied again here. */
export const nameMatches = (p: Person, needle: string): boolean =>
  !needle || fold(p.name ?? '').includes(fold(needle));
const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();

/**
 * Choose a person by face and name (never a bare list of "Unnamed person"), searched on the server as you
 * type, with "New person" first where the caller can make one. A native modal <dialog>: Escape closes it
 * and focus returns to the button that opened it.
 */
export function PersonPicker({
  title,
  exclude,
  allowNew,
  onPick,
  onClose,
}: {
  title: string;
  exclude?: string[];
  allowNew?: boolean;
  onPick: (choice: Person | 'new') => void;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [text, setText] = useState('');
  const q = useDebounced(text.trim(), 250);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  const fetchPage = useCallback(
    (cursor?: string) => api.people({ sort: 'name', hidden: 'include', cursor, limit: 60, q }),
    [q],
  );
  const list = usePaged<Person>(fetchPage, `pick:${q}`);
  const people = namedFirst(list.items.filter((p) => !exclude?.includes(p.id) && nameMatches(p, q)));
  const pick = (choice: Person | 'new') => {
    ref.current?.close();
    onPick(choice);
  };
  return (
    <dialog ref={ref} class="picker" aria-labelledby="picker-title" onClose={onClose}>
      <h2 id="picker-title">{title}</h2>
      <label class="search">
        Find a person{' '}
        <input type="search" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
      </label>
      <ul class="pick-list" aria-label="People to choose from">
        {allowNew && (
          <li>
            <button type="button" class="pick new" onClick={() => pick('new')}>
              <span class="face small placeholder" aria-hidden="true">
                +
              </span>
              <span>New person</span>
            </button>
          </li>
        )}
        {people.map((p) => (
          <li key={p.id}>
            <button type="button" class="pick" aria-label={personLabel(p)} onClick={() => pick(p)}>
              <FaceImage class="face small" src={p.cover?.faceUrl} alt="" width={48} height={48} />
              <span class={p.name ? '' : 'unnamed'}>{displayName(p)}</span>
              <span class="muted">{photoCount(p.imageCount)}</span>
            </button>
          </li>
        ))}
      </ul>
      {list.done && !people.length && (
        <p class="muted">{q ? `No one is called "${q}".` : 'No people yet.'}</p>
      )}
      <LoadMore list={list} label="Show more people" />
      <div class="dialog-actions">
        <button type="button" onClick={() => ref.current?.close()}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

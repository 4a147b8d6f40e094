import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, type Capabilities, displayName, type Person, photoCount, type TaskRecord } from '../api';
import { ErrorNote } from '../components/error-note';
import { FaceImage } from '../components/face-image';
import { LoadMore } from '../components/load-more';
import { usePaged } from '../components/use-paged';

/**
 * Merge other people into `into` (which keeps its name). Candidates: "possibly the same person"
 * suggestions ranked by face similarity (local backend), then everyone else by name, filtered by the
 * search box. A native <dialog>: focus is trapped, Escape closes, focus returns to "Merge…".
 */
export function MergeDialog({
  into,
  caps,
  onClose,
  onMerged,
}: {
  into: Person;
  caps: Capabilities;
  onClose: () => void;
  onMerged: (task: TaskRecord, from: string[]) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [search, setSearch] = useState('');
  const [suggested, setSuggested] = useState<Person[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
  }, []);
  useEffect(() => {
    if (!caps.similarPeople) return;
    api.similar(into.id).then(
      (r) => setSuggested(r.items.map((s) => s.person)),
      (err) => {
        setSuggested([]);
        setError(err);
      },
    );
  }, [into.id, caps.similarPeople]);

  const fetchPage = useCallback(
    (cursor?: string) => api.people({ sort: 'name', hidden: 'include', cursor, limit: 100 }),
    [],
  );
  const everyone = usePaged<Person>(fetchPage, 'merge-candidates');
  const needle = search.trim().toLowerCase();
  const matches = (p: Person) => !needle || displayName(p).toLowerCase().includes(needle);
  const suggestedIds = useMemo(() => new Set((suggested ?? []).map((p) => p.id)), [suggested]);
  const others = everyone.items.filter((p) => p.id !== into.id && !suggestedIds.has(p.id) && matches(p));
  const suggestions = (suggested ?? []).filter((p) => p.id !== into.id && matches(p));

  const toggle = (id: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  const merge = () => {
    const from = [...selected];
    setBusy(true);
    setError(null);
    api.merge(from, into.id).then(
      ({ task }) => {
        ref.current?.close();
        onMerged(task, from);
      },
      (err) => {
        setError(err);
        setBusy(false);
      },
    );
  };

  const intoName = displayName(into);
  return (
    <dialog ref={ref} class="merge-dialog" aria-labelledby="merge-title" onClose={onClose}>
      <h2 id="merge-title">Merge into {intoName}</h2>
      <p class="muted">
        The people you tick become {intoName}: their photos move here and {intoName}'s name is kept.
        {caps.mergeIsTask ? ' On IMM the merge runs as a task and takes a moment.' : ''}
      </p>
      <label class="search">
        Search people{' '}
        <input
          type="search"
          value={search}
          onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
        />
      </label>
      {caps.similarPeople ? (
        <fieldset>
          <legend>Possibly the same person</legend>
          {suggested === null ? (
            <p role="status">Finding similar faces…</p>
          ) : suggestions.length ? (
            <CandidateList people={suggestions} selected={selected} onToggle={toggle} />
          ) : (
            <p class="muted">No similar people found.</p>
          )}
        </fieldset>
      ) : (
        <p class="muted unavailable">Similar-people suggestions are not available on this backend.</p>
      )}
      <fieldset>
        <legend>Everyone, by name</legend>
        <CandidateList people={others} selected={selected} onToggle={toggle} />
        {!others.length && everyone.done && (
          <p class="muted">{needle ? 'No one else matches.' : 'Everyone else is listed above.'}</p>
        )}
        <LoadMore list={everyone} label="Show more people" />
      </fieldset>
      <ErrorNote error={error} />
      <div class="dialog-actions">
        <button type="button" onClick={() => ref.current?.close()}>
          Cancel
        </button>
        <button type="button" class="primary" disabled={!selected.size || busy} onClick={merge}>
          Merge
        </button>
        <span class="muted" aria-live="polite">
          {selected.size ? `${selected.size} selected` : ''}
        </span>
      </div>
    </dialog>
  );
}

function CandidateList({
  people,
  selected,
  onToggle,
}: {
  people: Person[];
  selected: Set<string>;
  onToggle: (id: string, on: boolean) => void;
}) {
  return (
    <ul class="candidates">
      {people.map((p) => (
        <li key={p.id}>
          <label>
            <input
              type="checkbox"
              checked={selected.has(p.id)}
              onChange={(e) => onToggle(p.id, (e.target as HTMLInputElement).checked)}
            />
            <FaceImage class="face small" src={p.cover?.faceUrl} alt="" width={48} height={48} />
            <span>{displayName(p)}</span>
          </label>
          <span class="muted">{photoCount(p.imageCount)}</span>
        </li>
      ))}
    </ul>
  );
}

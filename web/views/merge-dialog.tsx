import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  api,
  displayName,
  hasEditLog,
  type PageCaps,
  type Person,
  photoCount,
  type TaskRecord,
} from '../api';
import { ErrorNote } from '../components/error-note';
import { FaceImage } from '../components/face-image';
import { LoadMore } from '../components/load-more';
import { namedFirst } from '../components/person-picker';
import { usePaged } from '../components/use-paged';

/**
 * Merge other people into `into`. Candidates: "possibly the same person" suggestions (only people within
 * the server's calibrated distance, named first, local backend), then everyone else by name, filtered by
 * the search box. When more than one of them has a name, the dialog asks which name to keep. Where a
 * merge cannot be undone (IMM) the dialog says so beside "Merge". A native <dialog>: focus is trapped,
 * Escape closes, focus returns to "Merge…".
 */
export function MergeDialog({
  into,
  caps,
  preselect,
  onClose,
  onMerged,
}: {
  into: Person;
  caps: PageCaps;
  /** People ticked when the dialog opens (e.g. the other person of the same name). */
  preselect?: Person[];
  onClose: () => void;
  onMerged: (task: TaskRecord, from: string[], editId: string | null, name: string | null) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [selected, setSelected] = useState<Set<string>>(() => new Set(preselect?.map((p) => p.id)));
  const [known, setKnown] = useState<Map<string, Person>>(() => new Map(preselect?.map((p) => [p.id, p])));
  const [search, setSearch] = useState('');
  const [keepName, setKeepName] = useState<string | null>(into.name);
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
      // Named people first (a name is what tells two suggestions apart), then by the server's distance.
      (r) =>
        setSuggested(
          r.items
            .map((s, i) => ({ p: s.person, rank: (s.person.name ? 0 : 1_000) + i }))
            .sort((a, b) => a.rank - b.rank)
            .map((x) => x.p),
        ),
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
  const others = namedFirst(
    everyone.items.filter((p) => p.id !== into.id && !suggestedIds.has(p.id) && matches(p)),
  );
  const suggestions = (suggested ?? []).filter((p) => p.id !== into.id && matches(p));

  const toggle = (p: Person, on: boolean) => {
    setKnown((k) => new Map(k).set(p.id, p));
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(p.id);
      else next.delete(p.id);
      return next;
    });
  };
  // The distinct names among the kept person and the ticked ones: with two or more, the user picks one.
  const names = [
    ...new Set([into, ...[...selected].map((id) => known.get(id))].flatMap((p) => (p?.name ? [p.name] : []))),
  ];
  const name = keepName && names.includes(keepName) ? keepName : (names[0] ?? null);
  const merge = async () => {
    const from = [...selected];
    setBusy(true);
    setError(null);
    try {
      const rename = name !== into.name;
      // A server with the edit log takes the name with the merge (one edit, one undo); an older one
      // merges, then the kept person is renamed.
      const withName = rename && hasEditLog(caps);
      const { value, editId } = await api.merge(from, into.id, withName ? name : undefined);
      if (rename && !withName) await api.updatePerson(into.id, { name });
      ref.current?.close();
      onMerged(value.task, from, editId, name);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const intoName = displayName(into);
  return (
    <dialog ref={ref} class="merge-dialog" aria-labelledby="merge-title" onClose={onClose}>
      <h2 id="merge-title">Merge into {intoName}</h2>
      <p class="muted">
        The people you tick become {intoName}: their photos move here.
        {caps.mergeIsTask ? ' On IMM the merge runs as a task and takes a moment.' : ''}
      </p>
      <label class="search">
        Find a person{' '}
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
            <p class="muted">No likely match</p>
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
      {names.length > 1 && (
        <fieldset class="keep-name">
          <legend>Name to keep</legend>
          {names.map((n) => (
            <label key={n}>
              <input type="radio" name="keep-name" checked={n === name} onChange={() => setKeepName(n)} /> {n}
            </label>
          ))}
        </fieldset>
      )}
      {caps.undo !== true && (
        <p class="warning">
          {caps.backend === 'imm'
            ? 'A merge on IMM cannot be undone: the people become one for good.'
            : 'This merge cannot be undone.'}
        </p>
      )}
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
  onToggle: (p: Person, on: boolean) => void;
}) {
  return (
    <ul class="candidates">
      {people.map((p) => (
        <li key={p.id}>
          <label>
            <input
              type="checkbox"
              checked={selected.has(p.id)}
              onChange={(e) => onToggle(p, (e.target as HTMLInputElement).checked)}
            />
            <FaceImage class="face small" src={p.cover?.faceUrl} alt="" width={48} height={48} />
            {/* An unnamed person's label says how many photos: "Unnamed person" alone tells no two apart. */}
            <span class={p.name ? '' : 'unnamed'}>
              {p.name ?? `Unnamed person · ${photoCount(p.imageCount)}`}
            </span>
          </label>
          {p.name && <span class="muted">{photoCount(p.imageCount)}</span>}
        </li>
      ))}
    </ul>
  );
}

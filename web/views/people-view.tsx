import { useCallback, useEffect, useState } from 'preact/hooks';
import { onAlbumChanged } from '../album-events';
import {
  api,
  type Capabilities,
  displayName,
  hasPeopleSearch,
  type PageCaps,
  type PeopleSort,
  type Person,
  photoCount,
  type StatsRecord,
} from '../api';
import { ErrorNote } from '../components/error-note';
import { FaceImage } from '../components/face-image';
import { LoadMore } from '../components/load-more';
import { nameMatches } from '../components/person-picker';
import { useDebounced } from '../components/use-debounced';
import { usePaged } from '../components/use-paged';
import { useViewTitle } from '../components/use-view-focus';
import { onPersonEvent, rememberPerson } from '../people-events';
import { href } from '../router';
import { WhoIsThis } from './who-is-this';

const SORTS: { value: PeopleSort; label: string }[] = [
  { value: 'imageCount', label: 'Most photos' },
  { value: 'name', label: 'Name' },
  { value: 'updatedAt', label: 'Recently updated' },
];

const SORT_STORAGE = 'face-album.people-sort';
const savedSort = (): PeopleSort => {
  const s = localStorage.getItem(SORT_STORAGE);
  return SORTS.some((x) => x.value === s) ? (s as PeopleSort) : 'imageCount';
};

/**
 * People: one card per person, infinite-scrolled; kept mounted while a person is open so Back returns to
 * the same place (and focus to the card you opened). The sort is remembered across reloads.
 */
export function PeopleView({
  caps,
  active,
  cameFrom,
}: {
  caps: PageCaps;
  active: boolean;
  /** The person whose view was just left: their card gets the focus back. */
  cameFrom: string | null;
}) {
  const [sort, setSortState] = useState<PeopleSort>(savedSort);
  const setSort = (s: PeopleSort) => {
    localStorage.setItem(SORT_STORAGE, s);
    setSortState(s);
  };
  const [showHidden, setShowHidden] = useState(false);
  const [text, setText] = useState('');
  const q = useDebounced(text.trim(), 300);
  const fetchPage = useCallback(
    (cursor?: string) => api.people({ sort, hidden: showHidden ? 'include' : 'exclude', cursor, q }),
    [sort, showHidden, q],
  );
  const list = usePaged<Person>(fetchPage, `${sort}:${showHidden}:${q}`);
  const { setItems, reload, refresh } = list;
  useEffect(() => onAlbumChanged(refresh), [refresh]);
  useViewTitle(active ? 'People' : null, 'people-title', active);
  useEffect(() => {
    if (!active || !cameFrom) return;
    const card = document.querySelector<HTMLElement>(`.people-grid a[href="${href.person(cameFrom)}"]`);
    card?.focus({ preventScroll: true });
  }, [active, cameFrom]);

  useEffect(
    () =>
      onPersonEvent((e) => {
        if (e.kind === 'stale') reload();
        else if (e.kind === 'gone') setItems((items) => items.filter((p) => p.id !== e.id));
        else
          setItems((items) =>
            items.map((p) => (p.id === e.person.id ? e.person : p)).filter((p) => showHidden || !p.hidden),
          );
      }),
    [setItems, reload, showHidden],
  );

  // The server filters by ?q=; the same rule here keeps an older server (which ignores q) honest.
  const shown = q ? list.items.filter((p) => nameMatches(p, q)) : list.items;
  const empty = list.done && !list.items.length && !list.error && !q;
  return (
    <section hidden={!active} aria-labelledby="people-title">
      <div class="toolbar">
        <h1 id="people-title" tabIndex={-1}>
          People
        </h1>
        <input
          type="search"
          class="people-search"
          aria-label="Search people"
          placeholder="Search people"
          value={text}
          onInput={(e) => setText((e.target as HTMLInputElement).value)}
        />
        <label>
          Sort by{' '}
          <select value={sort} onChange={(e) => setSort((e.target as HTMLSelectElement).value as PeopleSort)}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label class="switch">
          <input
            type="checkbox"
            checked={showHidden}
            onChange={(e) => setShowHidden((e.target as HTMLInputElement).checked)}
          />{' '}
          Show hidden
        </label>
        {hasPeopleSearch(caps) && <WhoIsThis />}
      </div>
      {empty ? (
        <EmptyAlbum caps={caps} showHidden={showHidden} onPeople={reload} />
      ) : (
        <ul class="people-grid" aria-label="People">
          {shown.map((p) => (
            <PersonCard key={p.id} person={p} />
          ))}
        </ul>
      )}
      {q && list.done && !shown.length && <p class="muted">No one's name contains "{q}".</p>}
      <LoadMore list={list} label="Show more people" />
    </section>
  );
}

function PersonCard({ person }: { person: Person }) {
  const name = displayName(person);
  rememberPerson(person);
  return (
    <li class={`person-card${person.hidden ? ' is-hidden' : ''}`}>
      <a
        href={href.person(person.id)}
        aria-label={`${name}, ${photoCount(person.imageCount)}${person.hidden ? ', hidden' : ''}`}
      >
        <FaceImage
          class="face"
          src={person.cover?.faceUrl}
          alt={`Face of ${name}`}
          width={160}
          height={160}
        />
        <span class={`name${person.name ? '' : ' unnamed'}`}>{name}</span>
        <span class="count">
          {photoCount(person.imageCount)}
          {person.hidden ? ' · hidden' : ''}
        </span>
      </a>
    </li>
  );
}

/** No people yet: where photos go, and how far indexing and clustering are (refreshed until people appear). */
function EmptyAlbum({
  caps,
  showHidden,
  onPeople,
}: {
  caps: Capabilities;
  showHidden: boolean;
  onPeople: () => void;
}) {
  const [stats, setStats] = useState<StatsRecord | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = () =>
      api.stats().then(
        (s) => {
          if (stop) return;
          setStats(s);
          setError(null);
          if ((s.personCount ?? 0) > 0 && !showHidden) onPeople();
          else timer = setTimeout(tick, 3000);
        },
        (err) => {
          if (stop) return;
          setError(err);
          timer = setTimeout(tick, 5000);
        },
      );
    tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [onPeople, showHidden]);
  const src = caps.source;
  return (
    <div class="empty">
      <h2>No people yet</h2>
      {src.kind === 'folder' ? (
        <p>
          Add photos to the folder <code>{src.path}</code> (subfolders too). Each photo is analysed once;
          people appear after the next clustering pass, once a face was seen on three photos.
        </p>
      ) : (
        <p>
          Upload photos to the bucket <code>{src.bucket}</code> under <code>{src.prefix || '/'}</code>. IMM
          indexes them and the clustering timer forms people from faces seen on three photos.
        </p>
      )}
      <ErrorNote error={error} />
      {stats && <IndexingProgress stats={stats} />}
    </div>
  );
}

export function IndexingProgress({ stats }: { stats: StatsRecord }) {
  const last = stats.lastClustering;
  return (
    <dl class="progress" aria-label="Indexing progress">
      <dt>Photos indexed</dt>
      <dd>{stats.photoCount ?? 'unknown'}</dd>
      <dt>Waiting to be indexed</dt>
      <dd>{stats.indexing?.queued ?? 'not reported by this backend'}</dd>
      <dt>Refused</dt>
      <dd>{stats.indexing?.refused ?? 'not reported by this backend'}</dd>
      <dt>Faces</dt>
      <dd>{stats.faceCount ?? 'not reported by this backend'}</dd>
      <dt>People</dt>
      <dd>{stats.personCount ?? 'unknown'}</dd>
      <dt>Clustering</dt>
      <dd>
        {!last
          ? 'not run yet'
          : last.status === 'running'
            ? `running since ${new Date(last.startedAt ?? '').toLocaleString()}`
            : `${last.status} ${last.endedAt ? new Date(last.endedAt).toLocaleString() : ''}${last.message ? ` — ${last.message}` : ''}`}
      </dd>
    </dl>
  );
}

import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  ApiError,
  api,
  apiKey,
  type Changes,
  currentLibrary,
  type LibraryList,
  onUnauthorized,
  type PageCaps,
} from './api';
import { EditStatus } from './components/edit-status';
import { ErrorNote } from './components/error-note';
import { watchChanges } from './live';
import { href, useRoute } from './router';
import './styles.css';
import { KeyPrompt } from './views/key-prompt';
import { LibraryPicker } from './views/library-picker';
import { PeopleView } from './views/people-view';
import { PersonView } from './views/person-view';
import { PhotoView } from './views/photo-view';
import { StatusView } from './views/status-view';
import { UnknownFacesView } from './views/unknown-faces-view';

/**
 * The People page. Preact (4 KB of runtime, the React model and hooks, plain esbuild TSX) rather than
 * no framework: the views re-render from state; rather than React: 40 KB less to ship from a function.
 */
function App() {
  const route = useRoute();
  const [caps, setCaps] = useState<PageCaps | null>(null);
  const [indexing, setIndexing] = useState<Changes['indexing'] | null>(null);
  const [needKey, setNeedKey] = useState<'missing' | 'rejected' | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Many libraries (prefix mode): the ones this key or token may open, and the one shown.
  const [libraries, setLibraries] = useState<LibraryList | null>(null);
  const [library, setLibrary] = useState<string | null>(null);
  const [manyLibraries, setManyLibraries] = useState(false);
  // Remounts every view after a new key or library, so whatever failed with 401 loads again.
  const [session, setSession] = useState(0);
  const peopleScroll = useRef(0);
  // The person last opened: back on People, their card gets the keyboard focus again.
  const [cameFrom, setCameFrom] = useState<string | null>(null);
  const personId = route.view === 'person' ? route.id : null;
  useEffect(() => {
    if (personId) setCameFrom(personId);
  }, [personId]);
  useEffect(() => (caps ? watchChanges(caps, setIndexing) : undefined), [caps, session]);

  const start = useCallback(async () => {
    setError(null);
    setCaps(null);
    try {
      if ((await api.health()).mode === 'prefix') {
        setManyLibraries(true);
        const list = await api.libraries();
        const names = list.items.map((l) => l.name);
        // A token opens one library; the admin key gets the library it had, or the only one, or a choice.
        const pick =
          list.access === 'library'
            ? (names[0] ?? null)
            : ([currentLibrary.get(), currentLibrary.remembered()].find((n) => n && names.includes(n)) ??
              (names.length === 1 ? names[0]! : null));
        currentLibrary.set(pick);
        setLibraries(list);
        setLibrary(pick);
        if (!pick) return;
      }
      setCaps(await api.capabilities());
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) setError(err);
    }
  }, []);
  const chooseLibrary = (name: string) => {
    currentLibrary.set(name);
    setLibrary(name);
    location.hash = href.people();
    setSession((s) => s + 1);
    setError(null);
    setCaps(null);
    api.capabilities().then(setCaps, setError);
  };
  useEffect(() => {
    onUnauthorized(() => setNeedKey(apiKey.get() ? 'rejected' : 'missing'));
    start();
  }, [start]);

  // The People grid stays mounted under other views; its scroll position is restored on the way back.
  const onPeople = route.view === 'people';
  useEffect(() => {
    if (onPeople) requestAnimationFrame(() => scrollTo(0, peopleScroll.current));
    else scrollTo(0, 0);
    return () => {
      if (onPeople) peopleScroll.current = scrollY;
    };
  }, [onPeople, route.view === 'person' ? route.id : route.view === 'photo' ? route.uri : '']);

  if (needKey)
    return (
      <main>
        <KeyPrompt
          rejected={needKey === 'rejected'}
          libraries={manyLibraries}
          onKey={(key) => {
            apiKey.set(key);
            setNeedKey(null);
            setSession((s) => s + 1);
            start();
          }}
        />
      </main>
    );
  return (
    <>
      <header class="top">
        <nav aria-label="Main">
          <a href={href.people()} aria-current={onPeople ? 'page' : undefined}>
            People
          </a>
          {caps?.unknownFaces && (
            <a href={href.unknown()} aria-current={route.view === 'unknown' ? 'page' : undefined}>
              Unknown faces
            </a>
          )}
          <a href={href.status()} aria-current={route.view === 'status' ? 'page' : undefined}>
            Status
          </a>
          {indexing && indexing.queued + indexing.running > 0 && (
            <span class="muted indexing" role="status">
              Indexing: {indexing.queued + indexing.running} photos to go
            </span>
          )}
          {libraries && <LibraryPicker list={libraries} current={library} onChoose={chooseLibrary} />}
        </nav>
      </header>
      <main key={session}>
        <ErrorNote error={error} retry={start} />
        {libraries && !library ? (
          <p role="status">
            {libraries.items.length
              ? 'Choose a library to see its people.'
              : 'No libraries yet: photos under <PHOTO_PREFIX><library>/ make one.'}
          </p>
        ) : !caps ? (
          !error && <p role="status">Loading…</p>
        ) : (
          <>
            <PeopleView caps={caps} active={onPeople} cameFrom={cameFrom} />
            {route.view === 'person' && <PersonView key={route.id} id={route.id} caps={caps} />}
            {route.view === 'photo' && (
              <PhotoView key={route.uri} uri={route.uri} from={route.from} caps={caps} />
            )}
            {route.view === 'unknown' && caps.unknownFaces && <UnknownFacesView />}
            {route.view === 'status' && <StatusView caps={caps} />}
          </>
        )}
      </main>
      <EditStatus />
    </>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the static "Loading…" placeholder: Preact renders beside existing nodes, not over them
render(<App />, root);

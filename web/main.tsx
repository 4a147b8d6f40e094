import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, apiKey, type Capabilities, onUnauthorized } from './api';
import { ErrorNote } from './components/error-note';
import { href, useRoute } from './router';
import './styles.css';
import { KeyPrompt } from './views/key-prompt';
import { PeopleView } from './views/people-view';
import { PersonView } from './views/person-view';
import { PhotoView } from './views/photo-view';
import { StatusView } from './views/status-view';

/**
 * The People page. Preact (4 KB of runtime, the React model and hooks, plain esbuild TSX) rather than
 * no framework: the views re-render from state; rather than React: 40 KB less to ship from a function.
 */
function App() {
  const route = useRoute();
  const [caps, setCaps] = useState<Capabilities | null>(null);
  const [needKey, setNeedKey] = useState<'missing' | 'rejected' | null>(null);
  const [error, setError] = useState<unknown>(null);
  // Remounts every view after a new key, so whatever failed with 401 loads again.
  const [session, setSession] = useState(0);
  const peopleScroll = useRef(0);

  const start = useCallback(() => {
    setError(null);
    api.capabilities().then(setCaps, (err) => {
      if (!(err instanceof ApiError && err.status === 401)) setError(err);
    });
  }, []);
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
          <a href={href.status()} aria-current={route.view === 'status' ? 'page' : undefined}>
            Status
          </a>
        </nav>
      </header>
      <main key={session}>
        <ErrorNote error={error} retry={start} />
        {!caps ? (
          !error && <p role="status">Loading…</p>
        ) : (
          <>
            <PeopleView caps={caps} active={onPeople} />
            {route.view === 'person' && <PersonView key={route.id} id={route.id} caps={caps} />}
            {route.view === 'photo' && <PhotoView key={route.uri} uri={route.uri} caps={caps} />}
            {route.view === 'status' && <StatusView caps={caps} />}
          </>
        )}
      </main>
    </>
  );
}

const root = document.getElementById('app')!;
root.textContent = ''; // the static "Loading…" placeholder: Preact renders beside existing nodes, not over them
render(<App />, root);

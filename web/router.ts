import { useEffect, useState } from 'preact/hooks';

/** Hash routes: they never collide with the API's own paths and work on any static host. */
export type Route =
  | { view: 'people' }
  | { view: 'person'; id: string }
  | { view: 'photo'; uri: string }
  | { view: 'status' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  // dotAll (s): an id or key may hold line breaks.
  const person = /^\/people\/(.+)$/s.exec(path);
  if (person) return { view: 'person', id: decodeURIComponent(person[1]!) };
  const photo = /^\/photo\/(.+)$/s.exec(path);
  if (photo) return { view: 'photo', uri: decodeURIComponent(photo[1]!) };
  if (path === '/status') return { view: 'status' };
  return { view: 'people' };
}

export const href = {
  people: () => '#/',
  person: (id: string) => `#/people/${encodeURIComponent(id)}`,
  photo: (uri: string) => `#/photo/${encodeURIComponent(uri)}`,
  status: () => '#/status',
};

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return parseRoute(hash);
}

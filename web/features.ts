import { currentLibrary, isMissingRoute } from './api';

/**
 * Routes some servers lack (older ones, or a backend that cannot serve them) and `GET /capabilities`
 * does not list: asked once per library, so the page shows the feature only where it works.
 */
const known = new Map<string, Promise<boolean>>();

export function routeExists(name: string, probe: () => Promise<unknown>): Promise<boolean> {
  const key = `${currentLibrary.get() ?? ''}:${name}`;
  let found = known.get(key);
  if (!found) {
    found = probe().then(
      () => true,
      (err) => !isMissingRoute(err),
    );
    known.set(key, found);
  }
  return found;
}

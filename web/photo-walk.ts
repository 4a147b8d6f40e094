import { api, type Photo } from './api';

/**
 * The order of a person's photos as their view listed them, so the photo view can step to the previous
 * and next one. After a reload the list is fetched again, a few pages at most.
 */
const walks = new Map<string, string[]>();

export function rememberPhotos(personId: string, photos: Photo[]): void {
  if (photos.length)
    walks.set(
      personId,
      photos.map((p) => p.uri),
    );
}

export async function neighbours(
  personId: string,
  uri: string,
): Promise<{ prev: string | null; next: string | null; index: number; total: number } | null> {
  let uris = walks.get(personId) ?? [];
  if (!uris.includes(uri)) {
    uris = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10 && !uris.includes(uri); pages++) {
      const page = await api.personPhotos(personId, cursor);
      uris.push(...page.items.map((p) => p.uri));
      cursor = page.nextCursor ?? undefined;
      if (!cursor) break;
    }
    walks.set(personId, uris);
  }
  const i = uris.indexOf(uri);
  if (i < 0) return null;
  return { prev: uris[i - 1] ?? null, next: uris[i + 1] ?? null, index: i, total: uris.length };
}

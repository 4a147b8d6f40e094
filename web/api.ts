import type { Capabilities } from '../src/album/capabilities';
import type { Page, Person, Photo, SimilarPerson, StatsRecord, TaskRecord } from '../src/album/types';

export type { Capabilities, Page, Person, Photo, SimilarPerson, StatsRecord, TaskRecord };
export type Face = Photo['faces'][number];
export type PeopleSort = 'imageCount' | 'name' | 'updatedAt';

/** An API error as the page shows it: the server's own message, or what went wrong on the way. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const KEY_STORAGE = 'face-album.api-key';
/** The API key lives for this tab only (sessionStorage), never in localStorage or a cookie. */
export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string) => sessionStorage.setItem(KEY_STORAGE, key),
  clear: () => sessionStorage.removeItem(KEY_STORAGE),
};

const LIBRARY_STORAGE = 'face-album.library';
/**
 * The library the page shows (prefix mode): album calls go to /libraries/<name>/…. Kept for this tab,
 * like the key; null in single mode, where album calls go to the top-level routes.
 */
let library: string | null = null;
export const currentLibrary = {
  get: (): string | null => library,
  remembered: (): string | null => sessionStorage.getItem(LIBRARY_STORAGE),
  set: (name: string | null) => {
    library = name;
    if (name) sessionStorage.setItem(LIBRARY_STORAGE, name);
    else sessionStorage.removeItem(LIBRARY_STORAGE);
  },
};

const base = (document.querySelector('meta[name="album-api"]')?.getAttribute('content') ?? '').replace(
  /\/+$/,
  '',
);

let unauthorized: () => void = () => {};
/** Called on every 401, so the key prompt comes back wherever the user is. */
export function onUnauthorized(fn: () => void): void {
  unauthorized = fn;
}

/** A call to the deployment itself (health, the list of libraries), not to one album. */
const DEPLOYMENT_PATHS = /^\/(health|libraries)(\?|$)/;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  if (library && !DEPLOYMENT_PATHS.test(path)) path = `/libraries/${encodeURIComponent(library)}${path}`;
  const headers: Record<string, string> = {};
  const key = apiKey.get();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError(0, 'network', `The album API cannot be reached (${(err as Error).message}).`);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: reported below */
  }
  if (!res.ok) {
    if (res.status === 401) unauthorized();
    const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      res.status,
      error?.code ?? `http_${res.status}`,
      error?.message ?? `HTTP ${res.status}`,
    );
  }
  if (json === null && text)
    throw new ApiError(res.status, 'bad_response', 'The API answered with something other than JSON.');
  return json as T;
}

const enc = encodeURIComponent;
const query = (q: Record<string, string | number | undefined>) =>
  new URLSearchParams(
    Object.entries(q)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => [k, String(v)]),
  ).toString();

export interface Deployment {
  mode?: 'single' | 'prefix';
}
export interface LibraryList {
  items: { name: string }[];
  /** admin: the API key (every library); library: a token that opens only its library. */
  access: 'admin' | 'library';
}

export const api = {
  health: () => call<Deployment>('GET', '/health'),
  libraries: () => call<LibraryList>('GET', '/libraries'),
  capabilities: () => call<Capabilities>('GET', '/capabilities'),
  stats: () => call<StatsRecord>('GET', '/stats'),
  people: (q: { sort: PeopleSort; hidden: 'exclude' | 'include'; cursor?: string; limit?: number }) =>
    call<Page<Person>>(
      'GET',
      `/people?${query({ sort: q.sort, hidden: q.hidden, cursor: q.cursor, limit: q.limit ?? 60 })}`,
    ),
  person: (id: string) => call<Person>('GET', `/people/${enc(id)}`),
  personPhotos: (id: string, cursor?: string) =>
    call<Page<Photo>>('GET', `/people/${enc(id)}/photos?${query({ limit: 24, cursor })}`),
  updatePerson: (id: string, patch: { name?: string | null; hidden?: boolean }) =>
    call<Person>('PATCH', `/people/${enc(id)}`, patch),
  merge: (from: string[], into: string) =>
    call<{ task: TaskRecord }>('POST', '/people/merge', { from, into }),
  task: (id: string) => call<TaskRecord>('GET', `/tasks/${enc(id)}`),
  photo: (uri: string) => call<Photo>('GET', `/photos/faces?${query({ uri })}`),
  rejectFace: (personId: string, faceId: string) =>
    call<unknown>('DELETE', `/people/${enc(personId)}/faces/${enc(faceId)}`),
  setCover: (personId: string, faceId: string) =>
    call<Person>('PUT', `/people/${enc(personId)}/cover`, { faceId }),
  similar: (id: string) => call<{ items: SimilarPerson[] }>('GET', `/people/${enc(id)}/similar?limit=8`),
  assignFace: (faceId: string, personId: string) =>
    call<unknown>('PUT', `/faces/${enc(faceId)}/person`, { personId }),
};

export const displayName = (p: Pick<Person, 'name'>): string => p.name || 'Unnamed person';
export const photoCount = (n: number): string => `${n} photo${n === 1 ? '' : 's'}`;
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

import type { Capabilities } from '../src/album/capabilities';
import type { Page, Person, Photo, SimilarPerson, StatsRecord, TaskRecord } from '../src/album/types';

export type { Capabilities, Page, Person, Photo, SimilarPerson, StatsRecord, TaskRecord };
export type Face = Photo['faces'][number];
export type PeopleSort = 'imageCount' | 'name' | 'updatedAt';

/**
 * Capabilities as the page reads them: the server's, plus those added by issue 19 (undo, unknown faces,
 * and /changes with them) and issue 21 (faceAttributes, and with it /photos?people= and /people/search),
 * absent on a server that predates them, so the page hides what it cannot do instead of probing (every
 * probe's 404 would be a console error).
 */
export type PageCaps = Capabilities & { undo?: boolean; unknownFaces?: boolean; faceAttributes?: string[] };
/** The edit log, /changes and the merge's `name` came together (issue 19). */
export const hasEditLog = (caps: PageCaps): boolean => caps.undo !== undefined;
/** /photos?people= and POST /people/search came with face attributes (issue 21). */
export const hasPeopleSearch = (caps: PageCaps): boolean => caps.faceAttributes !== undefined;

/** One entry of the server's edit log (GET /edits, POST /edits/:id/undo). */
export interface Edit {
  id: string;
  kind: string;
  summary: string;
  personIds: string[];
  createdAt: string;
  undoneAt: string | null;
  undoable: boolean;
}
/** A face with its crop and photo links, as the unknown-faces routes list them. */
export type LinkedFace = Face & { uri: string; photoUrl: string };
export interface UnknownGroup {
  id: string;
  size: number;
  faces: LinkedFace[];
}
export interface Changes {
  generation: string;
  indexing: { queued: number; running: number };
}
export interface SearchMatch {
  person: Person;
  similarity: number;
}
export interface PeopleSearch {
  faces: { box: Photo['faces'][number]['box']; matches: SearchMatch[] }[];
}
/** An edit's answer and the id of its entry in the edit log (null where the server keeps none, e.g. IMM). */
export interface Edited<T> {
  value: T;
  editId: string | null;
}

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
  return (await send<T>(method, path, body)).value;
}
/** An edit route: its answer and the X-Album-Edit-Id the server gives it (for "Undo"). */
const edit = <T>(method: string, path: string, body?: unknown): Promise<Edited<T>> =>
  send<T>(method, path, body);

async function send<T>(method: string, path: string, body?: unknown): Promise<Edited<T>> {
  if (library && !DEPLOYMENT_PATHS.test(path)) path = `/libraries/${encodeURIComponent(library)}${path}`;
  const headers: Record<string, string> = {};
  const key = apiKey.get();
  if (key) headers.authorization = `Bearer ${key}`;
  const raw = body instanceof Blob;
  if (body !== undefined)
    headers['content-type'] = raw ? body.type || 'application/octet-stream' : 'application/json';
  let res: Response;
  try {
    res = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
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
  return { value: json as T, editId: res.headers.get('x-album-edit-id') };
}

/** A route this server does not have (an older server, or one the backend cannot serve): hide the feature. */
export const isMissingRoute = (err: unknown): boolean =>
  err instanceof ApiError && err.status === 404 && /^no route /.test(err.message);

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
  people: (q: {
    sort: PeopleSort;
    hidden: 'exclude' | 'include';
    cursor?: string;
    limit?: number;
    q?: string;
  }) =>
    call<Page<Person>>(
      'GET',
      `/people?${query({ sort: q.sort, hidden: q.hidden, cursor: q.cursor, limit: q.limit ?? 60, q: q.q })}`,
    ),
  person: (id: string) => call<Person>('GET', `/people/${enc(id)}`),
  personPhotos: (id: string, cursor?: string) =>
    call<Page<Photo>>('GET', `/people/${enc(id)}/photos?${query({ limit: 24, cursor })}`),
  updatePerson: (id: string, patch: { name?: string | null; hidden?: boolean }) =>
    edit<Person>('PATCH', `/people/${enc(id)}`, patch),
  merge: (from: string[], into: string, name?: string | null) =>
    edit<{ task: TaskRecord }>(
      'POST',
      '/people/merge',
      name === undefined ? { from, into } : { from, into, name },
    ),
  task: (id: string) => call<TaskRecord>('GET', `/tasks/${enc(id)}`),
  photo: (uri: string) => call<Photo>('GET', `/photos/faces?${query({ uri })}`),
  rejectFace: (personId: string, faceId: string) =>
    edit<unknown>('DELETE', `/people/${enc(personId)}/faces/${enc(faceId)}`),
  setCover: (personId: string, faceId: string) =>
    edit<Person>('PUT', `/people/${enc(personId)}/cover`, { faceId }),
  similar: (id: string) => call<{ items: SimilarPerson[] }>('GET', `/people/${enc(id)}/similar?limit=8`),
  assignFace: (faceId: string, personId: string) =>
    edit<unknown>('PUT', `/faces/${enc(faceId)}/person`, { personId }),
  /** Faces to a person, or to a new person ({ name } may be empty). */
  assignFaces: (faceIds: string[], to: { personId: string } | { newPerson: { name?: string } }) =>
    edit<{ personId: string; faceIds: string[] }>('POST', '/faces/assign', { faceIds, ...to }),
  notAFace: (faceIds: string[], notAFace: boolean) =>
    edit<{ faceIds: string[]; notAFace: boolean }>('POST', '/faces/not-a-face', { faceIds, notAFace }),
  unknownGroups: (cursor?: string) =>
    call<Page<UnknownGroup>>('GET', `/faces/unknown?${query({ limit: 24, cursor })}`),
  unknownGroup: (id: string, cursor?: string) =>
    call<Page<LinkedFace>>('GET', `/faces/unknown/${enc(id)}?${query({ limit: 100, cursor })}`),
  notFaces: (cursor?: string) =>
    call<Page<LinkedFace>>('GET', `/faces/not-a-face?${query({ limit: 60, cursor })}`),
  edits: (cursor?: string) => call<Page<Edit>>('GET', `/edits?${query({ limit: 20, cursor })}`),
  undo: (editId: string) => call<{ edit: Edit }>('POST', `/edits/${enc(editId)}/undo`),
  changes: () => call<Changes>('GET', '/changes'),
  photosWith: (people: string[], cursor?: string) =>
    call<Page<Photo>>('GET', `/photos?${query({ people: people.join(','), limit: 24, cursor })}`),
  searchPeople: (image: Blob) => call<PeopleSearch>('POST', '/people/search', image),
};

export const displayName = (p: Pick<Person, 'name'>): string => p.name || 'Unnamed person';
export const photoCount = (n: number): string => `${n} photo${n === 1 ? '' : 's'}`;
/** "Alice, 12 photos": how a person is named wherever several are listed (the face beside it tells more). */
export const personLabel = (p: Person): string => `${displayName(p)}, ${photoCount(p.imageCount)}`;
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

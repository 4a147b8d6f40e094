/**
 * The local API at library scale: builds (or reuses) a ≥100k-face album with the project's own stores,
 * serves it with the real local server (`face-album start`, a child process, default logging), and prints
 * per route: sequential p50/p99, then req/s and p99 at 50 connections beside GET /health's in the same
 * run, and the server's RSS idle and under load. Load generator: autocannon (npm), in this process.
 *
 * Each route is loaded twice: as autocannon sends by default (only `Host` and `Connection: keep-alive`:
 * no Accept-Encoding, so plain bodies) and with `Accept-Encoding: gzip, deflate, br, zstd` (what Chromium
 * sends). Beside req/s it prints the server's CPU time per request (its /proc utime + stime over the
 * load): the load generator shares the machine's 2 cores, so req/s also measures the client. Sequential
 * requests ask for plain bodies (`Accept-Encoding: identity`).
 *
 *   npm run bench:api -- [--faces 100000] [--dir .bench/api-album] [--seconds 3] [--rounds 3]
 *     [--connections 50] [--rebuild] [--modes text,objects,off] [--against <another checkout>]
 *     [--only <words,…>]   (only the routes whose name holds one of the words; /health always)
 *
 * Each load runs `--rounds` times for `--seconds`; the tables show the median round. "÷ /health" is
 * taken per round, against a /health loaded on the same server right before the route, and the
 * table shows the median of those ratios: the machine's load drifts during a run.
 * --against serves a copy of the album (hard-linked files, copied state) with that checkout's server
 * (its bin/face-album.cjs) beside this one's, and loads them in turn, round by round and route by route:
 * a before/after in one run, where a change in the shared machine's load falls on both alike. Both
 * servers run in the first of --modes (default: text).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { mulberry32, SyntheticIdentities } from '../test/support/synthetic-faces';

const { values: args } = parseArgs({
  options: {
    faces: { type: 'string', default: '100000' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '../.bench/api-album') },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    sequential: { type: 'string', default: '300' },
    rebuild: { type: 'boolean', default: false },
    modes: { type: 'string', default: 'text,objects,off' },
    against: { type: 'string' },
    only: { type: 'string' },
  },
});
const FACES = Number(args.faces);
const DIR = resolve(args.dir!);
const PHOTOS = join(DIR, 'photos');
const DATA = join(DIR, 'data');
const DEV = resolve(import.meta.dirname, '../../shared/datasets/faces-dev');
const ROOT = resolve(import.meta.dirname, '..');
process.env.LOG_LEVEL ??= 'warn';

/** Builds the album once: files (hard links to a few real photos, so crops can be cut) and the store. */
async function build(): Promise<void> {
  const { openLocalAlbum } = await import('../src/local/local-runtime');
  const { createLogger } = await import('../src/log/logger');
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(PHOTOS, { recursive: true });
  const sources = readdirSync(DEV)
    .filter((d) => !d.includes('.') && !d.startsWith('_'))
    .slice(0, 50)
    .map((d) => join(DEV, d, readdirSync(join(DEV, d)).find((f) => f.endsWith('.jpg'))!));
  const rand = mulberry32(42);
  // ~11 % group photos of 2–3 faces; people sizes heavy-tailed (a few with thousands of photos, most small)
  // as in a real library; ~8 % of faces are strangers left to no one.
  const photoFaces: number[] = [];
  for (let n = 0; n < FACES; ) {
    const k = rand() < 0.11 ? 2 + Math.floor(rand() * 2) : 1;
    photoFaces.push(Math.min(k, FACES - n));
    n += k;
  }
  const PEOPLE = Math.round(FACES / 25);
  const weights = Array.from({ length: PEOPLE }, (_, i) => 1 / (i + 1) ** 0.9);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) {
    acc += w / total;
    cumulative.push(acc);
  }
  const pickPerson = () => {
    const r = rand();
    let lo = 0,
      hi = PEOPLE - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const t0 = performance.now();
  const album = openLocalAlbum({
    photosDir: PHOTOS,
    dataDir: DATA,
    env: {},
    log: createLogger({ level: 'warn' }),
    clusterer: { cluster: () => ({ assignments: [], createdPersons: [], emptiedPersons: [] }) },
  });
  // Faces near their person's centre (strangers: an identity each), at the clusterer's distances, so a
  // clustering pass over this album (the server's startup pass may be a full one) finds these people.
  const identities = new SyntheticIdentities(7);
  const centreOf = Array.from({ length: PEOPLE }, () => identities.newIdentity());
  const clusterable = () => true;
  const chosen: (number | null)[][] = [];
  for (let i = 0; i < photoFaces.length; i++) {
    const dir = join(PHOTOS, String(Math.floor(i / 1000)).padStart(3, '0'));
    if (i % 1000 === 0) mkdirSync(dir, { recursive: true });
    const file = join(dir, `${String(i).padStart(6, '0')}.jpg`);
    linkSync(sources[i % sources.length]!, file);
    const st = statSync(file);
    const hash = `synthetic-${i}`;
    const inPhoto = new Set<number>();
    const persons = Array.from({ length: photoFaces[i]! }, () => {
      if (rand() < 0.08) return null;
      let p = pickPerson();
      while (inPhoto.has(p)) p = (p + 1) % PEOPLE; // never two faces of one photo in one person
      inPhoto.add(p);
      return p;
    });
    chosen.push(persons);
    // Nine in ten photos dated over ten years (the rest undated), as the photos-together questions sort by date.
    const dated = rand() < 0.9;
    const takenAt = dated
      ? new Date(Date.UTC(2015, 0, 1) + rand() * 10 * 365 * 86_400_000).toISOString()
      : null;
    album.photos.saveAnalysis(hash, {
      width: 250,
      height: 250,
      takenAt,
      faces: persons.map((person, j) => ({
        box: { left: 60 + j * 10, top: 60, width: 110, height: 120 },
        confidence: 0.99,
        headPose: { yaw: rand() * 20 - 10, pitch: rand() * 10 - 5, roll: 0 },
        age: 20 + rand() * 50,
        gender: rand() < 0.5 ? ('male' as const) : ('female' as const),
        quality: 0.5 + rand() * 0.5,
        sharpness: 0.9,
        attributes: {},
        embedding: identities.face(person === null ? identities.newIdentity() : centreOf[person]!),
      })),
    });
    album.photos.upsertPhoto(
      `${dir.slice(PHOTOS.length + 1)}/${String(i).padStart(6, '0')}.jpg`,
      hash,
      { size: st.size, mtimeMs: st.mtimeMs },
      clusterable,
    );
  }
  const ids = Array.from({ length: PEOPLE }, (_, i) => `person-${String(i).padStart(5, '0')}`);
  const assignments: { faceId: number; personId: string | null }[] = [];
  // Faces come in id order, photo by photo and face by face, as they were inserted.
  const photoIndex = new Map<number, number>();
  const seenInPhoto = new Map<number, number>();
  for (const f of album.photos.clusterFaceStates()) {
    if (!photoIndex.has(f.photoId)) photoIndex.set(f.photoId, photoIndex.size);
    const k = seenInPhoto.get(f.photoId) ?? 0;
    seenInPhoto.set(f.photoId, k + 1);
    const person = chosen[photoIndex.get(f.photoId)!]?.[k];
    if (person !== null && person !== undefined) assignments.push({ faceId: f.id, personId: ids[person]! });
  }
  album.people.applyClusterChanges({ createdPersons: ids, assignments, emptiedPersons: [] });
  // The tail of the size distribution may have drawn no face at all: only people with faces are edited.
  for (let i = 0; i < PEOPLE; i += 10)
    if (album.people.get(ids[i]!)) album.people.update(ids[i]!, { name: `Person ${i}` });
  for (let i = 5; i < PEOPLE; i += 50)
    if (album.people.get(ids[i]!)) album.people.update(ids[i]!, { hidden: true });
  // Record a clustering run over the current faces, so the server's startup clustering has nothing to do.
  await album.backend.runClustering({ deadline: Date.now() + 60_000, log: album.log });
  const stats = await album.backend.stats();
  await album.close();
  console.log(
    `built: ${stats.photoCount} photos, ${stats.faceCount} faces, ${stats.personCount} people in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
  );
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** CPU seconds the process has used (all its threads: the event loop, libuv's pool, V8's GC). */
function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function startServer(
  root: string,
  dir: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string }> {
  const logFile = join(dir, 'server.log');
  const out = openSync(logFile, 'w');
  const child = spawn(
    process.execPath,
    [
      join(root, 'bin/face-album.cjs'),
      'start',
      '--photos',
      join(dir, 'photos'),
      '--data',
      join(dir, 'data'),
      '--port',
      '0',
    ],
    { stdio: ['ignore', out, out], env: { ...process.env, LOG_LEVEL: 'info', ...env } },
  );
  const deadline = Date.now() + 900_000;
  while (Date.now() < deadline) {
    const log = readFileSync(logFile, 'utf8');
    const m = /"event":"album\.started","url":"([^"]+)"/.exec(log);
    // Measured once the startup clustering pass (a full one may fall due) is over.
    if (m && /"event":"clustering\.(succeeded|skipped|failed|timeout)"/.test(log))
      return { child, url: m[1]! };
    if (child.exitCode !== null)
      throw new Error(`server exited: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server did not start');
}

/** A second album for --against: the same files (hard links) and a copy of the state, bound to them. */
async function copyAlbum(to: string): Promise<void> {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(to, { recursive: true });
  cpSync(join(DIR, 'data'), join(to, 'data'), { recursive: true });
  const link = (from: string, into: string) => {
    mkdirSync(into, { recursive: true });
    for (const e of readdirSync(from, { withFileTypes: true }))
      if (e.isDirectory()) link(join(from, e.name), join(into, e.name));
      else linkSync(join(from, e.name), join(into, e.name));
  };
  link(PHOTOS, join(to, 'photos'));
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(to, 'data', 'album.db'));
  db.prepare("UPDATE meta SET value = ? WHERE key = 'photos_dir'").run(join(to, 'photos'));
  db.close();
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

interface Route {
  name: string;
  path: string;
  /** A POST with this body (else a GET). */
  post?: { body: Buffer; contentType: string };
  /** Sequential requests for this route when fewer than --sequential (the engine's search). */
  sequential?: number;
}

/**
 * A 2-MP photo (1632×1224) with three real faces for POST /people/search: faces-dev photos not in the album,
 * each enlarged to 500 px, on a grey ground.
 */
async function searchImage(): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  const picks = freshPhotos(3, 90);
  const tiles = await Promise.all(picks.map((f) => sharp(f).resize(500, 500).toBuffer()));
  return sharp({ create: { width: 1632, height: 1224, channels: 3, background: { r: 110, g: 110, b: 110 } } })
    .composite(tiles.map((input, i) => ({ input, left: 30 + i * 530, top: 360 })))
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function routes(base: string): Promise<Route[]> {
  type PeoplePage = {
    items: { id: string; imageCount: number; cover: { faceUrl: string } | null }[];
    nextCursor: string | null;
  };
  const deep = async (path: string, pages: number) => {
    let cursor: string | null = null;
    for (let i = 0; i < pages; i++) {
      const sep = path.includes('?') ? '&' : '?';
      const page: PeoplePage = await getJson(`${base}${path}${cursor ? `${sep}cursor=${cursor}` : ''}`);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return `${path}${path.includes('?') ? '&' : '?'}cursor=${cursor}`;
  };
  const top: PeoplePage = await getJson(`${base}/people?limit=1`);
  const big = top.items[0]!;
  const pages = Math.floor(big.imageCount / 50) - 1;
  const photos: { items: { uri: string }[] } = await getJson(`${base}/people/${big.id}/photos?limit=1`);
  const face = new URL(big.cover!.faceUrl);
  // The three largest people share the most group photos: the photos-together questions ask about them.
  const [a, b, c] = ((await getJson(`${base}/people?limit=3`)) as PeoplePage).items.map((p) => p.id);
  const image = await searchImage();
  const all: Route[] = [
    { name: 'people (imageCount, page 1)', path: '/people?limit=50' },
    { name: 'people (imageCount, page 40)', path: await deep('/people?limit=50', 40) },
    { name: 'people (name asc, page 40)', path: await deep('/people?limit=50&sort=name', 40) },
    {
      name: 'people (updatedAt asc, page 40)',
      path: await deep('/people?limit=50&sort=updatedAt&order=asc', 40),
    },
    { name: 'people (hidden=only)', path: '/people?limit=50&hidden=only' },
    { name: `person (${big.imageCount} photos)`, path: `/people/${big.id}` },
    { name: 'person photos (page 1)', path: `/people/${big.id}/photos?limit=50` },
    {
      name: `person photos (page ${pages + 1})`,
      path: await deep(`/people/${big.id}/photos?limit=50`, pages),
    },
    { name: 'photo faces', path: `/photos/faces?uri=${encodeURIComponent(photos.items[0]!.uri)}` },
    { name: 'stats', path: '/stats' },
    { name: 'face crop (warm)', path: `${face.pathname}${face.search}` },
    { name: 'photos of 2 people together (page 1)', path: `/photos?people=${a},${b}&limit=50` },
    { name: 'photos of 3 people together (page 1)', path: `/photos?people=${a},${b},${c}&limit=50` },
    { name: 'people by name (q=son 1)', path: `/people?q=${encodeURIComponent('son 1')}&limit=50` },
    {
      name: 'people search (2-MP image, 3 faces)',
      path: '/people/search',
      post: { body: image, contentType: 'image/jpeg' },
      sequential: 30,
    },
  ];
  const words = args.only?.split(',').map((w) => w.trim().toLowerCase());
  return words ? all.filter((r) => words.some((w) => r.name.toLowerCase().includes(w))) : all;
}

interface Seq {
  p50: number;
  p99: number;
}

async function sequential(base: string, path: string, n: number, post?: Route['post']): Promise<Seq> {
  const times: number[] = [];
  const warm = post ? 3 : 20;
  for (let i = 0; i < n + warm; i++) {
    const t = performance.now();
    const res = await fetch(
      base + path,
      post
        ? {
            method: 'POST',
            body: new Uint8Array(post.body),
            headers: { 'accept-encoding': 'identity', 'content-type': post.contentType },
          }
        : { headers: { 'accept-encoding': 'identity' } },
    );
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    if (i >= warm) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p99: pct(times, 99) };
}

/** What a browser sends (Chromium); autocannon alone sends no Accept-Encoding. */
const BROWSER_ENCODINGS = 'gzip, deflate, br, zstd';

interface Load {
  rps: number;
  p99: number;
  errors: number;
  rss: number;
  /** Server CPU per request, µs. */
  cpuUs: number;
  /** Bytes received per response (headers and body). */
  bytes: number;
}

async function load(
  base: string,
  path: string,
  pid: number,
  encodings?: string,
  post?: Route['post'],
): Promise<Load> {
  let rss = 0;
  const sampler = setInterval(() => {
    rss = Math.max(rss, rssMb(pid));
  }, 250);
  const cpu0 = cpuSeconds(pid);
  const result = await autocannon({
    url: base + path,
    connections: Number(args.connections),
    duration: Number(args.seconds),
    timeout: 10,
    headers: {
      ...(encodings ? { 'accept-encoding': encodings } : {}),
      ...(post ? { 'content-type': post.contentType } : {}),
    },
    ...(post ? { method: 'POST' as const, body: post.body } : {}),
  });
  const cpu = cpuSeconds(pid) - cpu0;
  clearInterval(sampler);
  const done = result.requests.total;
  return {
    // Answered requests per second: a search refused with 429 (engine busy) is not an answer (it is counted in errors).
    rps: result['2xx'] / result.duration,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    rss,
    cpuUs: done ? (cpu / done) * 1e6 : Number.NaN,
    bytes: done ? result.throughput.total / done : Number.NaN,
  };
}

// Albums built before faces had per-person embeddings would send a full clustering pass astray; v3: taken dates.
const BUILT = join(DIR, 'built-v3');
if (args.rebuild || !existsSync(BUILT)) {
  await build();
  writeFileSync(BUILT, new Date().toISOString());
} else console.log(`reusing the album in ${DIR} (--rebuild to build it again)`);

/** Real faces-dev photos not used as the album's files, for the indexing-under-load check. */
function freshPhotos(count: number, skip: number): string[] {
  return readdirSync(DEV)
    .filter((d) => !d.includes('.') && !d.startsWith('_'))
    .slice(100 + skip, 100 + skip + count)
    .map((d) => join(DEV, d, readdirSync(join(DEV, d)).find((f) => f.endsWith('.jpg'))!));
}

/**
 * Seconds the running server takes to index `files` dropped into a new folder (from the drop until
 * /stats counts them all; includes the watcher's write-settle time), optionally under read load.
 */
async function indexingTime(
  url: string,
  folder: string,
  files: string[],
  underLoad: boolean,
): Promise<number> {
  const count = async () => (await getJson<{ photoCount: number }>(`${url}/stats`)).photoCount;
  const before = await count();
  let loaded: Promise<unknown> = Promise.resolve();
  const loader = underLoad
    ? autocannon(
        { url: `${url}/people?limit=50`, connections: Number(args.connections), duration: 300 },
        () => {},
      )
    : null;
  if (loader) {
    loaded = new Promise((done) => loader.on('done', done));
    await new Promise((r) => setTimeout(r, 1000));
  }
  const t0 = performance.now();
  mkdirSync(join(PHOTOS, folder), { recursive: true });
  // Bytes after the JPEG's end marker make new content, so the engine analyses it even on a rerun.
  for (const [i, f] of files.entries())
    writeFileSync(join(PHOTOS, folder, `${i}.jpg`), Buffer.concat([readFileSync(f), Buffer.from(folder)]));
  const deadline = Date.now() + 240_000;
  while ((await count()) < before + files.length && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  const seconds = (performance.now() - t0) / 1000;
  loader?.stop();
  await loaded;
  return seconds;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The median round of each figure (errors: summed). */
function medianLoad(rounds: Load[]): Load {
  const pick = (f: (l: Load) => number) => median(rounds.map(f));
  return {
    rps: pick((l) => l.rps),
    p99: pick((l) => l.p99),
    errors: rounds.reduce((a, l) => a + l.errors, 0),
    rss: Math.max(...rounds.map((l) => l.rss)),
    cpuUs: pick((l) => l.cpuUs),
    bytes: pick((l) => l.bytes),
  };
}

interface Measured {
  name: string;
  seq: Seq;
  plain: Load;
  coded: Load;
  /** Median over the rounds of req/s ÷ the /health loaded on the same server just before (see measureTogether). */
  plainRatio: number;
  codedRatio: number;
}

interface Served {
  title: string;
  child: ChildProcess;
  url: string;
  pid: number;
  routes: Route[];
  idleRss: number;
  stats: { photoCount: number; faceCount: number; personCount: number };
  healthRounds: Load[];
  healthSeq?: Seq;
  healthCoded: Load[];
  rows: Measured[];
}

/** /health's own row: the median of all its loads (its ratio: coded ÷ plain). */
function healthRow(s: Served): Measured {
  const plain = medianLoad(s.healthRounds);
  const coded = medianLoad(s.healthCoded);
  return {
    name: 'GET /health',
    seq: s.healthSeq!,
    plain,
    coded,
    plainRatio: 1,
    codedRatio: coded.rps / plain.rps,
  };
}

/**
 * Several servers measured interleaved: each round of each route loads every server in turn, so a
 * change in the machine's load (it is shared) falls on all of them alike. Figures are medians of rounds.
 */
async function measureTogether(
  servers: { title: string; root: string; dir: string; env: Record<string, string> }[],
): Promise<Served[]> {
  const started: Served[] = [];
  try {
    for (const s of servers) {
      const { child, url } = await startServer(s.root, s.dir, s.env);
      started.push({
        title: s.title,
        child,
        url,
        pid: child.pid!,
        routes: [],
        idleRss: 0,
        stats: { photoCount: 0, faceCount: 0, personCount: 0 },
        healthRounds: [],
        healthCoded: [],
        rows: [],
      });
    }
    for (const s of started) {
      s.routes = await routes(s.url);
      // Warm up: every path under load for a second, both ways, and a crop cut once (without it the
      // first routes measured used more CPU per request than the later ones, on both builds).
      for (const route of [{ name: 'health', path: '/health' } as Route, ...s.routes]) {
        const { path, post } = route;
        await sequential(s.url, path, post ? 2 : 20, post);
        const body = post ? { method: 'POST' as const, body: post.body } : {};
        const type = post ? { 'content-type': post.contentType } : {};
        await autocannon({
          url: s.url + path,
          connections: Number(args.connections),
          duration: 1,
          headers: type,
          ...body,
        });
        await autocannon({
          url: s.url + path,
          connections: Number(args.connections),
          duration: 1,
          headers: { 'accept-encoding': BROWSER_ENCODINGS, ...type },
          ...body,
        });
      }
    }
    await new Promise((r) => setTimeout(r, 2000));
    for (const s of started) {
      s.idleRss = rssMb(s.pid);
      s.stats = await getJson(`${s.url}/stats`);
    }
    const rounds = Number(args.rounds);
    const n = Number(args.sequential);
    const health = async () => {
      for (let i = 0; i < rounds; i++)
        for (const s of started) {
          s.healthRounds.push(await load(s.url, '/health', s.pid));
          s.healthCoded.push(await load(s.url, '/health', s.pid, BROWSER_ENCODINGS));
        }
    };
    // /health before and after the routes too (its row in the table: the median of all its rounds).
    await health();
    for (const s of started) s.healthSeq = await sequential(s.url, '/health', n);
    const routeCount = started[0]!.routes.length;
    for (let r = 0; r < routeCount; r++) {
      const plain: Load[][] = started.map(() => []);
      const coded: Load[][] = started.map(() => []);
      const ratios = started.map(() => ({ plain: [] as number[], coded: [] as number[] }));
      const seq = [];
      for (const s of started) {
        const route = s.routes[r]!;
        seq.push(await sequential(s.url, route.path, Math.min(n, route.sequential ?? n), route.post));
      }
      for (let i = 0; i < rounds; i++)
        for (const [k, s] of started.entries()) {
          // Each round's ratio is taken against a /health loaded just before it on the same server: the
          // shared machine's load drifts within a run (/health alone moved 9,800 → 18,000 req/s in one), and
          // a reference measured minutes apart from the route put that drift into the ratio.
          const health = await load(s.url, '/health', s.pid);
          s.healthRounds.push(health);
          const route = s.routes[r]!;
          const p = await load(s.url, route.path, s.pid, undefined, route.post);
          const c = await load(s.url, route.path, s.pid, BROWSER_ENCODINGS, route.post);
          plain[k]!.push(p);
          coded[k]!.push(c);
          ratios[k]!.plain.push(p.rps / health.rps);
          ratios[k]!.coded.push(c.rps / health.rps);
        }
      for (const [k, s] of started.entries())
        s.rows.push({
          name: s.routes[r]!.name,
          seq: seq[k]!,
          plain: medianLoad(plain[k]!),
          coded: medianLoad(coded[k]!),
          plainRatio: median(ratios[k]!.plain),
          codedRatio: median(ratios[k]!.coded),
        });
    }
    await health();
    return started;
  } catch (err) {
    for (const s of started) s.child.kill('SIGTERM');
    throw err;
  }
}

async function stop(s: Served): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

/** Indexing idle and under read load, on a running server of this checkout's default settings. */
async function indexingFigures(url: string): Promise<string> {
  await indexingTime(url, `warm-${Date.now()}`, freshPhotos(2, 0), false); // loads the engine
  const idle = await indexingTime(url, `idle-${Date.now()}`, freshPhotos(40, 2), false);
  const loaded = await indexingTime(url, `loaded-${Date.now()}`, freshPhotos(40, 42), true);
  return `\nIndexing 40 new photos (real engine; from the drop until /stats counts them, incl. the 1.5 s write-settle): ${idle.toFixed(1)} s idle, ${loaded.toFixed(1)} s while ${args.connections} connections read /people?limit=50.`;
}

function printTable(s: Served, extra = ''): void {
  const kb = (l: Load) => (l.bytes / 1024).toFixed(1);
  const line = (m: Measured) =>
    `| ${m.name} | ${m.seq.p50.toFixed(2)} / ${m.seq.p99.toFixed(2)} | ${m.plain.rps.toFixed(0)} | ${m.plainRatio.toFixed(2)} | ${m.plain.p99} | ${m.plain.cpuUs.toFixed(0)} | ${kb(m.plain)} | ${m.coded.rps.toFixed(0)} | ${m.codedRatio.toFixed(2)} | ${m.coded.p99} | ${m.coded.cpuUs.toFixed(0)} | ${kb(m.coded)} | ${m.plain.errors + m.coded.errors} |`;
  const rps = s.healthRounds.map((l) => l.rps);
  const maxRss = Math.max(
    ...s.healthRounds.map((l) => l.rss),
    ...s.rows.flatMap((m) => [m.plain.rss, m.coded.rss]),
  );
  console.log(`\n### ${s.title}\n`);
  console.log(
    `${s.stats.photoCount} photos, ${s.stats.faceCount} faces, ${s.stats.personCount} people. Sequential: ${args.sequential} requests one at a time (plain); then ${args.connections} connections, ${args.rounds} rounds × ${args.seconds} s per route (autocannon; medians of the rounds), plain (no Accept-Encoding) and with \`Accept-Encoding: ${BROWSER_ENCODINGS}\` (coded). CPU: the server's µs per request. KB: per response.\n`,
  );
  console.log(
    '| route | seq p50 / p99 ms | plain req/s | ÷ /health | p99 ms | CPU µs | KB | coded req/s | ÷ /health | p99 ms | CPU µs | KB | errors |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  console.log(line(healthRow(s)));
  for (const m of s.rows) console.log(line(m));
  console.log(
    `\n/health over the run: ${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)} req/s (its ${rps.length} loads; ÷ /health: each route round against the /health loaded just before it, median of the rounds). Server RSS idle ${s.idleRss.toFixed(0)} MB, under load at most ${maxRss.toFixed(0)} MB.${extra}`,
  );
}

const MODES: Record<string, { title: string; env: Record<string, string> }> = {
  text: { title: 'reads memoized until the next write, as JSON text (default)', env: {} },
  objects: {
    title: 'answers memoized, JSON built per request (FACE_ALBUM_READ_MEMO=objects)',
    env: { FACE_ALBUM_READ_MEMO: 'objects' },
  },
  off: { title: 'every read computed (FACE_ALBUM_READ_MEMO=off)', env: { FACE_ALBUM_READ_MEMO: 'off' } },
};
const modes = args.modes.split(',').map((m) => {
  const mode = MODES[m.trim()];
  if (!mode) throw new Error(`--modes: unknown mode ${m} (text, objects, off)`);
  return mode;
});

if (args.against) {
  const other = resolve(args.against);
  const otherDir = `${DIR}-against`;
  await copyAlbum(otherDir);
  const mode = modes[0]!;
  const [before, after] = await measureTogether([
    {
      title: `before: ${other}, ${mode.title} (album copy ${otherDir})`,
      root: other,
      dir: otherDir,
      env: mode.env,
    },
    { title: `after: this checkout, ${mode.title}`, root: ROOT, dir: DIR, env: mode.env },
  ]);
  await stop(before!);
  const indexed = await indexingFigures(after!.url);
  await stop(after!);
  printTable(before!);
  printTable(after!, indexed);
  const cell = (l: Load, ratio: number) => `${l.rps.toFixed(0)} (${ratio.toFixed(2)}×)`;
  console.log(
    "\n### before → after, side by side (req/s at 50 connections, medians; ÷ that server's /health)\n",
  );
  console.log(
    '| route | plain before | plain after | coded before | coded after | CPU µs plain, before → after | coded, before → after |',
  );
  console.log('|---|---|---|---|---|---|---|');
  const b = [healthRow(before!), ...before!.rows];
  for (const [i, a] of [healthRow(after!), ...after!.rows].entries())
    console.log(
      `| ${a.name} | ${cell(b[i]!.plain, b[i]!.plainRatio)} | ${cell(a.plain, a.plainRatio)} | ${cell(b[i]!.coded, b[i]!.codedRatio)} | ${cell(a.coded, a.codedRatio)} | ${b[i]!.plain.cpuUs.toFixed(0)} → ${a.plain.cpuUs.toFixed(0)} | ${b[i]!.coded.cpuUs.toFixed(0)} → ${a.coded.cpuUs.toFixed(0)} |`,
    );
} else
  for (const [i, m] of modes.entries()) {
    const [served] = await measureTogether([{ title: m.title, root: ROOT, dir: DIR, env: m.env }]);
    const indexed =
      i === 0 && m.env.FACE_ALBUM_READ_MEMO === undefined && !args.only
        ? await indexingFigures(served!.url)
        : '';
    await stop(served!);
    printTable(served!, indexed);
  }

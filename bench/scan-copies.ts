/**
 * Scanning a big folder where most files are copies of photos already analysed (backups, re-shares):
 * no engine runs, so what is measured is the walk, hashing and SQLite. The album is the faces-dev photos,
 * analysed once (synthetic analyses stored under their real content hashes, people by identity), then
 * ~100k files: the originals plus full copies in other folders. The indexing goes through the same
 * indexer handler and batches as `face-album scan`; the clustering that scan runs afterwards is not timed.
 *   npm run bench:scan-copies -- [--files 100000] [--dir .bench/scan-copies] [--rebuild]
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    dir: { type: 'string', default: resolve(import.meta.dirname, '../.bench/scan-copies') },
    rebuild: { type: 'boolean', default: false },
  },
});
process.env.LOG_LEVEL ??= 'warn';
const FILES = Number(args.files);
const DIR = resolve(args.dir!);
const PHOTOS = join(DIR, 'photos');
const DEV = resolve(import.meta.dirname, '../../shared/datasets/faces-dev');

const { openLocalAlbum } = await import('../src/local/local-runtime');
const { localFunctions } = await import('../src/local/launcher/album-functions');
const { reconcile, walkPhotos } = await import('../src/local/watch/folder-walk');
const { PhotoStore } = await import('../src/local/store/photo-store');
const { createLogger } = await import('../src/log/logger');
const { mulberry32, syntheticFace, syntheticPhoto } = await import('../test/support/synthetic-faces');
const log = createLogger({ level: 'warn' });

const originals = readdirSync(DEV)
  .filter((d) => !d.includes('.') && !d.startsWith('_'))
  .sort()
  .flatMap((d) =>
    readdirSync(join(DEV, d))
      .filter((f) => f.endsWith('.jpg'))
      .map((f) => ({ person: d, key: `originals/${d}/${f}`, src: join(DEV, d, f) })),
  );

/** Data dir with the originals analysed and clustered; kept as a template so every run starts from it. */
function buildTemplate(template: string) {
  rmSync(DIR, { recursive: true, force: true });
  for (const o of originals) {
    mkdirSync(join(PHOTOS, 'originals', o.person), { recursive: true });
    copyFileSync(o.src, join(PHOTOS, o.key));
  }
  const album = openLocalAlbum({ photosDir: PHOTOS, dataDir: template, env: {}, log });
  const rand = mulberry32(1);
  const people = new Map<string, number[]>();
  for (const o of originals) {
    const file = join(PHOTOS, o.key);
    const hash = createHash('sha256').update(readFileSync(file)).digest('hex');
    album.photos.saveAnalysis(
      hash,
      syntheticPhoto(syntheticFace(Float32Array.from({ length: 128 }, () => rand()))),
    );
    const st = statSync(file);
    album.photos.upsertPhoto(o.key, hash, { size: st.size, mtimeMs: st.mtimeMs }, () => true);
    const ids = people.get(o.person) ?? [];
    ids.push(album.photos.photoByPath(o.key)!.id);
    people.set(o.person, ids);
  }
  const faceOfPhoto = new Map(album.photos.clusterFaceStates().map((f) => [f.photoId, f.id]));
  const groups = [...people].filter(([, ids]) => ids.length >= 3);
  album.people.applyClusterChanges({
    createdPersons: groups.map(([p]) => p),
    assignments: groups.flatMap(([p, ids]) =>
      ids.map((id) => ({ faceId: faceOfPhoto.get(id)!, personId: p })),
    ),
    emptiedPersons: [],
  });
  void album.close();
  // The copies: whole copies of the originals in other folders, as a backup or a re-share makes them.
  let made = originals.length;
  for (let round = 1; made < FILES; round++)
    for (const o of originals) {
      if (made >= FILES) break;
      const key = `backup-${String(round).padStart(2, '0')}/${o.key.slice('originals/'.length)}`;
      mkdirSync(join(PHOTOS, key, '..'), { recursive: true });
      copyFileSync(o.src, join(PHOTOS, key));
      made++;
    }
}

const template = join(DIR, 'template');
if (args.rebuild || !existsSync(join(template, 'album.db'))) {
  const t = performance.now();
  buildTemplate(template);
  console.log(`built ${FILES} files in ${((performance.now() - t) / 1000).toFixed(0)} s`);
}
const data = join(DIR, 'data');
rmSync(data, { recursive: true, force: true });
mkdirSync(data);
for (const f of readdirSync(template))
  if (f.startsWith('album.db')) copyFileSync(join(template, f), join(data, f));

// SQLite time: every PhotoStore call is synchronous, so its wall time is exact.
let sqliteMs = 0;
const byMethod = new Map<string, number>();
for (const name of Object.getOwnPropertyNames(PhotoStore.prototype)) {
  const proto = PhotoStore.prototype as unknown as Record<string, unknown>;
  const fn = proto[name];
  if (name === 'constructor' || typeof fn !== 'function' || name === 'allPhotos') continue;
  proto[name] = function (this: unknown, ...a: unknown[]) {
    const t = performance.now();
    try {
      return (fn as (...x: unknown[]) => unknown).apply(this, a);
    } finally {
      const ms = performance.now() - t;
      sqliteMs += ms;
      byMethod.set(name, (byMethod.get(name) ?? 0) + ms);
    }
  };
}

const album = openLocalAlbum({ photosDir: PHOTOS, dataDir: data, env: {}, log });
const fns = localFunctions({ runtime: album.factory, log: album.log, bucket: album.bucket });
const t0 = performance.now();
const onDisk = await walkPhotos(album.folder);
const changes = reconcile(onDisk, album.photos.knownFiles());
const walkMs = performance.now() - t0;
const created = changes.filter((c) => c.kind === 'created');
const sqliteBefore = sqliteMs;
const t1 = performance.now();
const batchSize = Math.max(32, album.backend.concurrency * 8);
let indexed = 0;
for (let i = 0; i < created.length; i += batchSize) {
  const res = await fns.index(created.slice(i, i + batchSize));
  indexed += res.outcomes?.filter((o) => o.outcome === 'done').length ?? 0;
}
const indexMs = performance.now() - t1;
const indexSqlite = sqliteMs - sqliteBefore;
const totalMs = performance.now() - t0;

// Hashing alone, for its share: the same digest over every new file, one after another.
const t2 = performance.now();
for (const c of created)
  createHash('sha256')
    .update(readFileSync(join(PHOTOS, c.key)))
    .digest('hex');
const hashMs = performance.now() - t2;
const stats = await album.backend.stats();
await album.close();

const share = (ms: number) => `${((100 * ms) / totalMs).toFixed(0)} %`;
console.log(
  `${onDisk.size} files on disk, ${created.length} new (copies of analysed photos), ${indexed} indexed; album now ${stats.photoCount} photos, ${stats.faceCount} faces, ${stats.personCount} people`,
);
console.log(
  `scan (walk + index, no clustering): ${(totalMs / 1000).toFixed(1)} s = ${((onDisk.size * 1000) / totalMs).toFixed(0)} files/s over all files, ${((created.length * 1000) / indexMs).toFixed(0)} new files/s in the indexing stage`,
);
console.log(
  `stages: walk+reconcile ${(walkMs / 1000).toFixed(1)} s (${share(walkMs)}), SQLite ${(indexSqlite / 1000).toFixed(1)} s (${share(indexSqlite)}), hashing + file checks + handler ${((indexMs - indexSqlite) / 1000).toFixed(1)} s (${share(indexMs - indexSqlite)}); hashing alone (sequential readFile + sha256) ${(hashMs / 1000).toFixed(1)} s`,
);
console.log(
  `SQLite by call: ${[...byMethod]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([n, ms]) => `${n} ${(ms / 1000).toFixed(2)} s`)
    .join(', ')}`,
);
console.log(`RSS ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB`);

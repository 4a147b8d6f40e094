/**
 * Videos on the local backend, measured on clips made now by the installed ffmpeg from faces-dev photos
 * (none is stored in the project). Prints figures; asserts nothing.
 *   npm run bench:video -- [--quick] [--workers=N] [--identities=N]
 *
 * Speed: 1080p H.264 and HEVC clips of 10 s to 5 min with film grain (so decoding costs what camera
 * footage costs; a still would decode for free), a face on screen; each analysed alone: video seconds per
 * wall second, frames analysed, wall time, peak RSS of the whole process tree (ffmpeg and engine workers
 * included). Then photo indexing speed alone and beside the 5-minute HEVC clip being analysed.
 * Quality: identities with photos in the album and a clip of other photos of them (never in the album):
 * does each clip land in that identity's person (right), in another person (wrong), or found a person of
 * its own (new-person-alone), or in no person (unplaced)?
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

process.env.LOG_LEVEL ??= 'warn';
const flags = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k!, v ?? 'true'] as const;
  }),
);
const quick = flags.has('quick');
const workers = Number(flags.get('workers') ?? availableParallelism());
const identities = Number(flags.get('identities') ?? (quick ? 6 : 20));
const DEV = resolve(import.meta.dirname, '../../shared/datasets/faces-dev');

const { makeClip, joinClips } = await import('../test/support/make-clip');
const { findFfmpeg } = await import('../src/local/video/ffmpeg-binary');
const { openLocalAlbum } = await import('../src/local/local-runtime');
const { createLogger } = await import('../src/log/logger');

const ff = await findFfmpeg();
if (!ff.ok) throw new Error(ff.reason);
const log = createLogger({ level: 'warn' });
const work = mkdtempSync(join(tmpdir(), 'fa-bench-video-'));
const secs = (t: number) => (performance.now() - t) / 1000;

/** RSS of this process and all its descendants (engine workers, ffmpeg), in bytes. */
function treeRss(pid = process.pid): number {
  let rss = 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    rss += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    for (const task of readdirSync(`/proc/${pid}/task`))
      for (const child of readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter(Boolean))
        rss += treeRss(Number(child));
  } catch {
    /* gone meanwhile */
  }
  return rss;
}
function peakRss<T>(run: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = treeRss();
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRss());
  }, 100);
  return run().then(
    (value) => {
      clearInterval(timer);
      return { value, peak };
    },
    (err) => {
      clearInterval(timer);
      throw err;
    },
  );
}
const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;

function openAlbum(name: string, photos: string) {
  return openLocalAlbum({ photosDir: photos, dataDir: join(work, `${name}-data`), workers, env: {}, log });
}

// ---- speed ----
console.log(
  `bench:video — ffmpeg ${ff.version}, ${workers} engine workers, ${availableParallelism()} cores (shared machine)`,
);
const speedDir = join(work, 'speed');
mkdirSync(join(speedDir, 'warm'), { recursive: true });
copyFileSync(join(DEV, 'Colin_Powell/1.jpg'), join(speedDir, 'warm/warm.jpg'));
const segments: Record<'h264' | 'hevc', string> = { h264: '', hevc: '' };
for (const codec of ['h264', 'hevc'] as const) {
  const t = performance.now();
  segments[codec] = join(work, `segment-${codec}.${codec === 'hevc' ? 'mov' : 'mp4'}`);
  await makeClip(
    ff.path,
    segments[codec],
    [
      { image: join(DEV, 'Hugo_Chavez/20.jpg'), seconds: 4 },
      { image: null, seconds: 2 },
      { image: join(DEV, 'Ariel_Sharon/20.jpg'), seconds: 4 },
    ],
    { width: 1920, height: 1080, codec, noise: true, photoHeight: 700 },
  );
  console.log(`  made a 10 s 1080p ${codec} segment with grain in ${secs(t).toFixed(1)} s`);
}
const lengths = quick ? [10, 60] : [10, 60, 300];
const clips: { name: string; codec: 'h264' | 'hevc'; seconds: number; file: string }[] = [];
for (const codec of ['h264', 'hevc'] as const)
  for (const seconds of codec === 'hevc' && !quick ? [10, 300] : lengths) {
    const file = join(speedDir, `${codec}-${seconds}s.${codec === 'hevc' ? 'mov' : 'mp4'}`);
    if (seconds === 10) copyFileSync(segments[codec], file);
    else
      await joinClips(
        ff.path,
        file,
        Array.from({ length: seconds / 10 }, () => segments[codec]),
      );
    clips.push({ name: `${codec} ${seconds} s`, codec, seconds, file });
  }

const speed = openAlbum('speed', speedDir);
await speed.backend.indexPhotos(['oss://local/warm/warm.jpg'], log); // model load, not measured
console.log('\nvideo analysis, one clip at a time (1080p, grain, faces on screen 8 s of every 10 s):');
console.log('clip          | wall s | video s / wall s | frames | faces kept | peak RSS (tree)');
for (const clip of clips) {
  const key = clip.file.slice(speedDir.length + 1);
  const lines: Record<string, unknown>[] = [];
  const capture = createLogger({ level: 'info', write: (l) => lines.push(JSON.parse(l)) });
  const t = performance.now();
  const { peak } = await peakRss(() => speed.backend.indexPhotos([`oss://local/${key}`], capture));
  const wall = secs(t);
  const done = lines.find((l) => l.event === 'video.analysed');
  console.log(
    `${clip.name.padEnd(13)} | ${wall.toFixed(1).padStart(6)} | ${(clip.seconds / wall).toFixed(2).padStart(16)} | ${String(done?.frames ?? '?').padStart(6)} | ${String(done?.faces ?? '?').padStart(10)} | ${mb(peak)}`,
  );
}
await speed.close();

// ---- photo indexing beside a video ----
const PHOTOS_BESIDE = quick ? 16 : 30;
const besideDir = (name: string) => {
  const dir = join(work, name);
  mkdirSync(join(dir, 'p'), { recursive: true });
  const keys: string[] = [];
  for (const person of ['Colin_Powell', 'George_W_Bush', 'Gerhard_Schroeder'])
    for (let i = 1; i <= PHOTOS_BESIDE / 3; i++) {
      copyFileSync(join(DEV, person, `${i}.jpg`), join(dir, 'p', `${person}-${i}.jpg`));
      keys.push(`oss://local/p/${person}-${i}.jpg`);
    }
  copyFileSync(join(DEV, 'Colin_Powell/100.jpg'), join(dir, 'warm.jpg'));
  return { dir, keys };
};
const big = clips.find(
  (c) => c.codec === 'hevc' && c.seconds === Math.max(...lengths.filter((l) => l <= 300)),
)!;
const alone = besideDir('alone');
const a = openAlbum('alone', alone.dir);
await a.backend.indexPhotos(['oss://local/warm.jpg'], log);
let t = performance.now();
await a.backend.indexPhotos(alone.keys, log);
const aloneRate = alone.keys.length / secs(t);
await a.close();
const beside = besideDir('beside');
copyFileSync(big.file, join(beside.dir, 'clip.mov'));
const b = openAlbum('beside', beside.dir);
await b.backend.indexPhotos(['oss://local/warm.jpg'], log);
const videoRun = b.backend.indexPhotos(['oss://local/clip.mov'], log);
await new Promise((r) => setTimeout(r, 2000)); // the clip is being decoded and analysed
t = performance.now();
await b.backend.indexPhotos(beside.keys, log);
const besideRate = beside.keys.length / secs(t);
await videoRun;
await b.close();
console.log(
  `\nphoto indexing (${alone.keys.length} faces-dev photos): alone ${aloneRate.toFixed(2)} photos/s; beside the ${big.name} clip being analysed ${besideRate.toFixed(2)} photos/s (${((besideRate / aloneRate) * 100).toFixed(0)} %)`,
);

// ---- quality ----
const qDir = join(work, 'quality');
// Identities from the dataset's ground truth (MANIFEST.csv: path,person_or_blank,notes): one named person
// per image; folders starting with '_' and files such as MANIFEST.csv are not identities.
const imagesOf = new Map<string, number>();
for (const line of readFileSync(join(DEV, 'MANIFEST.csv'), 'utf8').split('\n').slice(1)) {
  const [path, person] = line.split(',');
  if (!path || !person || person.includes('|') || path.startsWith('_')) continue;
  imagesOf.set(person, (imagesOf.get(person) ?? 0) + 1);
}
const picked = [...imagesOf]
  .filter(([, n]) => n >= 12)
  .map(([who]) => who)
  .sort()
  .slice(0, identities);
const clipOf = new Map<string, string>();
let tq = performance.now();
for (const who of picked) {
  mkdirSync(join(qDir, who), { recursive: true });
  for (let i = 1; i <= 5; i++) copyFileSync(join(DEV, who, `${i}.jpg`), join(qDir, who, `${i}.jpg`));
  // The clip: two other photos of them, a grey gap between (held out: never in the album).
  const key = `clips/${who}.mp4`;
  mkdirSync(join(qDir, 'clips'), { recursive: true });
  await makeClip(
    ff.path,
    join(qDir, key),
    [
      { image: join(DEV, who, '10.jpg'), seconds: 3 },
      { image: null, seconds: 1 },
      { image: join(DEV, who, '11.jpg'), seconds: 3 },
    ],
    { width: 1280, height: 720, codec: 'h264', photoHeight: 600 },
  );
  clipOf.set(who, key);
}
console.log(
  `\nquality set: ${picked.length} identities × 5 photos in the album + 1 clip each (made in ${secs(tq).toFixed(0)} s)`,
);
const q = openAlbum('quality', qDir);
const allKeys = [
  ...picked.flatMap((who) => [1, 2, 3, 4, 5].map((i) => `${who}/${i}.jpg`)),
  ...clipOf.values(),
];
tq = performance.now();
await q.backend.indexPhotos(
  allKeys.map((k) => `oss://local/${k}`),
  log,
);
const run = await q.backend.runClustering({ deadline: Date.now() + 600_000, log });
console.log(`indexed and clustered in ${secs(tq).toFixed(0)} s (${run.outcome})`);
// The person of each identity: the one holding most of its photos.
const personOf = new Map<string, string | null>();
for (const who of picked) {
  const votes = new Map<string, number>();
  for (let i = 1; i <= 5; i++) {
    const photo = await q.backend.getPhoto(`oss://local/${who}/${i}.jpg`);
    for (const f of photo?.faces ?? [])
      if (f.personId) votes.set(f.personId, (votes.get(f.personId) ?? 0) + 1);
  }
  personOf.set(who, [...votes].sort((x, y) => y[1] - x[1])[0]?.[0] ?? null);
}
const owners = new Set([...personOf.values()].filter(Boolean));
const tally = { right: 0, wrong: 0, newAlone: 0, unplaced: 0 };
const wrongs: string[] = [];
for (const who of picked) {
  const video = await q.backend.getPhoto(`oss://local/${clipOf.get(who)}`);
  const persons = new Set((video?.faces ?? []).map((f) => f.personId).filter((p): p is string => !!p));
  const mine = personOf.get(who);
  const others = [...persons].filter((p) => p !== mine);
  if (others.some((p) => owners.has(p))) {
    tally.wrong++;
    wrongs.push(who);
  } else if (mine && persons.has(mine)) tally.right++;
  else if (others.length) tally.newAlone++;
  else tally.unplaced++;
}
const n = picked.length;
console.log(
  `clips: right ${tally.right}/${n} (${((tally.right / n) * 100).toFixed(0)} %), wrong ${tally.wrong}, new-person-alone ${tally.newAlone}, unplaced ${tally.unplaced}${wrongs.length ? ` (wrong: ${wrongs.join(', ')})` : ''}`,
);
const stats = await q.backend.stats();
console.log(
  `album: ${stats.photoCount} photos, ${stats.videos.indexed} videos, ${stats.personCount} persons`,
);
await q.close();
rmSync(work, { recursive: true, force: true });

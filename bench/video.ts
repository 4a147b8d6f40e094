/**
 * Videos on the local backend, measured on clips made now by the installed ffmpeg from faces-dev photos
 * (none is stored in the project). Prints figures; asserts nothing.
 *   npm run bench:video -- [--quick] [--workers=N] [--identities=N] [--album-photos=N] [--only=quality]
 *
 * Speed: 1080p H.264 and HEVC clips of 10 s to 5 min with film grain (so decoding costs what camera
 * footage costs; a still would decode for free), a face on screen; each analysed alone: video seconds per
 * wall second, frames analysed, wall time, peak RSS of the whole process tree (ffmpeg and engine workers
 * included). Then photo indexing speed alone and beside the 5-minute HEVC clip being analysed.
 * Quality: identities with photos in the album and a clip of other photos of them (never in the album):
 * does each clip land in that identity's person (right), in another person (wrong), or found a person of
 * its own (new-person-alone), or in no person (unplaced)? The set: the first identities (by name) with
 * 12+ photos; each one's clip shows its photos 10 and 11; the album holds its other photos among its
 * first 12 (photos 1–9 and 12), or the first N of those with --album-photos=N (5: photos 1–5, the set
 * first measured). Only the labelled person is scored, as bench:quality does (quality-score.ts): in an
 * album photo the face nearest the centre; in a clip the faces whose box holds the frame's centre (the
 * clip centres the photo, and faces-dev photos are centred on the labelled person). Other faces in those
 * photos are bystanders: counted and printed, not scored.
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
const CLIP_PHOTOS = [10, 11];
const albumPhotos = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12].slice(0, Number(flags.get('album-photos') ?? 10));
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

const onlyQuality = flags.get('only') === 'quality';
// ---- speed ----
if (!onlyQuality) {
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
}

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
  for (const i of albumPhotos) copyFileSync(join(DEV, who, `${i}.jpg`), join(qDir, who, `${i}.jpg`));
  // The clip: two other photos of them, a grey gap between (held out: never in the album).
  const key = `clips/${who}.mp4`;
  mkdirSync(join(qDir, 'clips'), { recursive: true });
  await makeClip(
    ff.path,
    join(qDir, key),
    [
      { image: join(DEV, who, `${CLIP_PHOTOS[0]}.jpg`), seconds: 3 },
      { image: null, seconds: 1 },
      { image: join(DEV, who, `${CLIP_PHOTOS[1]}.jpg`), seconds: 3 },
    ],
    { width: 1280, height: 720, codec: 'h264', photoHeight: 600 },
  );
  clipOf.set(who, key);
}
console.log(
  `\nquality set: ${picked.length} identities × ${albumPhotos.length} photos in the album (${albumPhotos.join(',')}) + 1 clip each of photos ${CLIP_PHOTOS.join(',')} (made in ${secs(tq).toFixed(0)} s)`,
);
const q = openAlbum('quality', qDir);
const allKeys = [...picked.flatMap((who) => albumPhotos.map((i) => `${who}/${i}.jpg`)), ...clipOf.values()];
tq = performance.now();
await q.backend.indexPhotos(
  allKeys.map((k) => `oss://local/${k}`),
  log,
);
const run = await q.backend.runClustering({ deadline: Date.now() + 600_000, log });
console.log(`indexed and clustered in ${secs(tq).toFixed(0)} s (${run.outcome})`);
type Item = Awaited<ReturnType<typeof q.backend.getPhoto>>;
type Face = NonNullable<Item>['faces'][number];
const centreOf = (item: NonNullable<Item>) => ({ x: (item.width ?? 250) / 2, y: (item.height ?? 250) / 2 });
/** The labelled face of an album photo: the one nearest the centre (as buildTruth in quality-score.ts). */
function labelledFace(photo: Item): Face | null {
  if (!photo?.faces.length) return null;
  const c = centreOf(photo);
  const d = (f: Face) =>
    (f.box.left + f.box.width / 2 - c.x) ** 2 + (f.box.top + f.box.height / 2 - c.y) ** 2;
  return photo.faces.reduce((a, b) => (d(b) < d(a) ? b : a));
}
/** The labelled person's faces in a clip: those whose box holds the frame's centre. */
const holdsCentre = (clip: NonNullable<Item>, f: Face) => {
  const c = centreOf(clip);
  return (
    f.box.left <= c.x &&
    c.x <= f.box.left + f.box.width &&
    f.box.top <= c.y &&
    c.y <= f.box.top + f.box.height
  );
};
// Persons by the labelled faces of the album's photos: each person's identities, and each identity's
// persons: the one holding most of its photos (all of them when several hold equally many, as there is
// then no one person of theirs to be right about).
const labelsIn = new Map<string, Map<string, number>>();
const personsOf = new Map<string, string[]>();
for (const who of picked) {
  const votes = new Map<string, number>();
  for (const i of albumPhotos) {
    const p = labelledFace(await q.backend.getPhoto(`oss://local/${who}/${i}.jpg`))?.personId;
    if (!p) continue;
    votes.set(p, (votes.get(p) ?? 0) + 1);
    const labels = labelsIn.get(p) ?? new Map<string, number>();
    labels.set(who, (labels.get(who) ?? 0) + 1);
    labelsIn.set(p, labels);
  }
  const most = Math.max(0, ...votes.values());
  personsOf.set(
    who,
    [...votes].filter(([, n]) => n === most).map(([p]) => p),
  );
}
/** Whose photos a person mostly holds; null: none of the album's labelled faces. */
const identityOf = (p: string) => [...(labelsIn.get(p) ?? [])].sort((x, y) => y[1] - x[1])[0]?.[0] ?? null;
const bystanders = { faces: 0, placed: 0 };
// A clip placed by one of its tracks while another track of the same person is in no person: that
// track's spans are missing from the person's appearances. (Two tracks of one video may share a person
// when never seen at one time; before that, the same-photo rule kept the second track out.)
const partly = { clips: 0, faces: 0 };
// right: in the identity's person; wrong: in a person of another identity's photos; split: in a smaller
// person of the identity's own photos (its photos formed two persons); new-person-alone: in a person
// holding none of the album's labelled faces; unplaced: in no person.
const tally = { right: 0, wrong: 0, split: 0, newAlone: 0, unplaced: 0 };
const notes: string[] = [];
for (const who of picked) {
  const video = await q.backend.getPhoto(`oss://local/${clipOf.get(who)}`);
  const labelled = (video?.faces ?? []).filter((f) => holdsCentre(video!, f));
  for (const f of video?.faces ?? [])
    if (!labelled.includes(f)) {
      bystanders.faces++;
      if (f.personId) bystanders.placed++;
    }
  const persons = [...new Set(labelled.map((f) => f.personId).filter((p): p is string => !!p))];
  const unplacedFaces = labelled.filter((f) => !f.personId).length;
  if (persons.length && unplacedFaces) {
    partly.clips++;
    partly.faces += unplacedFaces;
    notes.push(`${who}: ${unplacedFaces} of ${labelled.length} kept faces in no person`);
  }
  const mine = personsOf.get(who) ?? [];
  const others = persons.map(identityOf).filter((w): w is string => w !== null && w !== who);
  const describe = (p: string) =>
    [...(labelsIn.get(p) ?? [])].map(([w, c]) => `${c} of ${w}`).join(' + ') || 'no album photo';
  if (others.length) {
    tally.wrong++;
    notes.push(`${who}: wrong → ${persons.map(describe).join('; ')}`);
  } else if (persons.some((p) => mine.includes(p))) {
    tally.right++;
    if (mine.length > 1)
      notes.push(`${who}: right, in one of ${mine.length} equal persons: ${mine.map(describe).join('; ')}`);
  } else if (persons.some((p) => identityOf(p) === who)) {
    tally.split++;
    notes.push(
      `${who}: split → ${persons.map(describe).join('; ')} (its person: ${mine.map(describe).join('; ')})`,
    );
  } else if (persons.length) {
    tally.newAlone++;
    notes.push(`${who}: new person alone`);
  } else {
    tally.unplaced++;
    notes.push(
      `${who}: unplaced (${labelled.length} faces kept; its person: ${mine.map(describe).join('; ') || 'none'})`,
    );
  }
}
const n = picked.length;
console.log(
  `clips: right ${tally.right}/${n} (${((tally.right / n) * 100).toFixed(0)} %), wrong ${tally.wrong}, in a split person of their own photos ${tally.split}, new-person-alone ${tally.newAlone}, unplaced ${tally.unplaced}`,
);
for (const note of notes) console.log(`  ${note}`);
console.log(
  `placed clips with a track in no person (its spans missing from the person's appearances): ${partly.clips} (${partly.faces} kept faces)`,
);
const stats = await q.backend.stats();
console.log(
  `album: ${stats.photoCount} photos, ${stats.videos.indexed} videos, ${stats.personCount} persons; identities with no person: ${picked.filter((w) => !personsOf.get(w)?.length).join(', ') || 'none'}; bystander faces in clips (not scored): ${bystanders.faces}, ${bystanders.placed} of them in a person`,
);
await q.close();
rmSync(work, { recursive: true, force: true });

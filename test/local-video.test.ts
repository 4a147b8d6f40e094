/**
 * Videos on the local backend, end to end with the real parts: clips made now by the installed ffmpeg
 * from faces-dev photos, the real engine, SQLite, and the HTTP API. A clip of a person whose photos are
 * in the album lands in that person, says when the person appears, and never founds a person alone.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAlbum, openLocalAlbum } from '../src/local/local-runtime';
import { findFfmpeg } from '../src/local/video/ffmpeg-binary';
import { PersonShape, PhotoShape, pageOf, StatsShape, VideoPhotoShape } from './contract/api-shapes';
import { captureLogs } from './fake-imm/fc-events';
import { makeAudioOnly, makeClip, overstateDuration } from './support/make-clip';

const DEV = join(import.meta.dirname, '../../shared/datasets/faces-dev');
const dev = (p: string) => join(DEV, p);
const PHOTOS = {
  hugo: ['Hugo_Chavez/1.jpg', 'Hugo_Chavez/2.jpg', 'Hugo_Chavez/3.jpg', 'Hugo_Chavez/4.jpg'],
  ariel: ['Ariel_Sharon/1.jpg', 'Ariel_Sharon/2.jpg', 'Ariel_Sharon/3.jpg'],
};
const CLIP = { width: 640, height: 360, photoHeight: 340 } as const;

let work: string;
let album: LocalAlbum;
let logs: ReturnType<typeof captureLogs>;
const uri = (key: string) => `oss://${album.bucket}/${key}`;
async function http(path: string, init?: RequestInit) {
  const res = await album.runtime.api.request(path, init);
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    headers: res.headers,
    json: type.includes('json') ? await res.json() : null,
    res,
  };
}
let outcomes: Awaited<ReturnType<LocalAlbum['backend']['indexPhotos']>> = [];
const index = (keys: string[]) => album.backend.indexPhotos(keys.map(uri), logs.log);

beforeAll(async () => {
  const ff = await findFfmpeg({});
  if (!ff.ok) throw new Error(ff.reason);
  work = mkdtempSync(join(tmpdir(), 'fa-video-'));
  const photos = join(work, 'photos');
  mkdirSync(join(photos, 'clips'), { recursive: true });
  for (const [who, list] of Object.entries(PHOTOS))
    list.forEach((p, i) => {
      copyFileSync(dev(p), join(photos, `${who}-${i}.jpg`));
    });
  // Hugo from 2 s to 4 s, Ariel from 7 s to 9 s (photos the album does not hold: held-out shots).
  await makeClip(
    ff.path,
    join(photos, 'clips/both.mp4'),
    [
      { image: null, seconds: 2 },
      { image: dev('Hugo_Chavez/10.jpg'), seconds: 3 },
      { image: null, seconds: 2 },
      { image: dev('Ariel_Sharon/10.jpg'), seconds: 3 },
    ],
    { ...CLIP, codec: 'h264' },
  );
  // A phone clip: HEVC, stored turned, with rotation metadata.
  await makeClip(
    ff.path,
    join(photos, 'clips/upright.mov'),
    [{ image: dev('Hugo_Chavez/11.jpg'), seconds: 3 }],
    {
      ...CLIP,
      codec: 'hevc',
      rotate: 90,
    },
  );
  // Someone with no photo: one video must not found a person, however many frames show them.
  await makeClip(
    ff.path,
    join(photos, 'clips/stranger.mp4'),
    [{ image: dev('Jennifer_Capriati/1.jpg'), seconds: 6 }],
    {
      ...CLIP,
      codec: 'h264',
    },
  );
  copyFileSync(join(photos, 'clips/both.mp4'), join(photos, 'clips/both copy.mp4'));
  const good = readFileSync(join(photos, 'clips/both.mp4'));
  writeFileSync(join(photos, 'clips/empty.mp4'), '');
  writeFileSync(join(photos, 'clips/noise.mov'), Buffer.alloc(50_000, 7));
  writeFileSync(join(photos, 'clips/truncated.mp4'), good.subarray(0, Math.floor(good.length / 3)));

  logs = captureLogs();
  album = openLocalAlbum({
    photosDir: photos,
    dataDir: join(work, 'data'),
    workers: 1,
    env: {},
    log: logs.log,
  });
  const keys = [
    ...Object.keys(PHOTOS).flatMap((who) =>
      PHOTOS[who as keyof typeof PHOTOS].map((_, i) => `${who}-${i}.jpg`),
    ),
    'clips/both.mp4',
    'clips/upright.mov',
    'clips/stranger.mp4',
    'clips/empty.mp4',
    'clips/noise.mov',
    'clips/truncated.mp4',
  ];
  outcomes = await index(keys);
  outcomes.push(...(await index(['clips/both copy.mp4'])));
  const run = await album.backend.runClustering({ deadline: Date.now() + 120_000, log: logs.log });
  expect(run.outcome).toBe('succeeded');
}, 600_000);
afterAll(async () => {
  await album?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function people() {
  const res = await http('/people?sort=imageCount');
  return pageOf(PersonShape).parse(res.json).items;
}

describe('videos on the local backend', () => {
  it('puts the people of a clip into the persons of their photos, counting videos apart', async () => {
    const list = await people();
    expect(list.map((p) => [p.imageCount, p.videoCount])).toEqual([
      [4, 3], // Hugo: both.mp4, its copy, upright.mov
      [3, 2], // Ariel: both.mp4 and its copy
    ]);
  });

  it('lists a person’s videos with their appearances, and filters by media type', async () => {
    const [hugo, ariel] = await people();
    const videos = pageOf(VideoPhotoShape).parse(
      (await http(`/people/${hugo!.id}/photos?mediaType=video`)).json,
    ).items;
    expect(videos.map((v) => v.key).sort()).toEqual([
      'clips/both copy.mp4',
      'clips/both.mp4',
      'clips/upright.mov',
    ]);
    const both = videos.find((v) => v.key === 'clips/both.mp4')!;
    expect(both.durationSeconds).toBeCloseTo(10, 0);
    // Sampled once a second: Hugo is on screen from 2 s to 5 s.
    expect(both.appearances).toHaveLength(1);
    expect(both.appearances[0]!.fromSeconds).toBeGreaterThanOrEqual(1.5);
    expect(both.appearances[0]!.fromSeconds).toBeLessThanOrEqual(3);
    expect(both.appearances[0]!.toSeconds).toBeGreaterThanOrEqual(3.5);
    expect(both.appearances[0]!.toSeconds).toBeLessThanOrEqual(5);
    const mine = both.faces.filter((f) => f.personId === hugo!.id);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    for (const f of mine) expect(f.timeSeconds).toBeGreaterThanOrEqual(1.5);
    const arielSpans = pageOf(VideoPhotoShape)
      .parse((await http(`/people/${ariel!.id}/photos?mediaType=video`)).json)
      .items.find((v) => v.key === 'clips/both.mp4')!.appearances;
    expect(arielSpans[0]!.fromSeconds).toBeGreaterThanOrEqual(6.5);

    const images = pageOf(PhotoShape).parse(
      (await http(`/people/${hugo!.id}/photos?mediaType=image`)).json,
    ).items;
    expect(images.map((p) => p.mediaType)).toEqual(['image', 'image', 'image', 'image']);
    const all = pageOf(PhotoShape).parse((await http(`/people/${hugo!.id}/photos`)).json).items;
    expect(all).toHaveLength(7);
  });

  it('reads a rotated HEVC clip upright, with its shown size', async () => {
    const res = await http(`/photos/faces?uri=${encodeURIComponent('clips/upright.mov')}`);
    const video = VideoPhotoShape.parse(res.json);
    expect([video.width, video.height]).toEqual([640, 360]);
    expect(video.faces.length).toBeGreaterThanOrEqual(1);
    expect(video.appearances.length).toBe(1);
  });

  it('serves a poster, the face crops and the video itself with Range requests', async () => {
    const video = VideoPhotoShape.parse(
      (await http(`/photos/faces?uri=${encodeURIComponent('clips/both.mp4')}`)).json,
    );
    const path = (u: string) => new URL(u).pathname + new URL(u).search;
    const poster = await http(path(video.photoUrl));
    expect(poster.status).toBe(200);
    expect(poster.headers.get('content-type')).toBe('image/jpeg');
    const crop = await http(path(video.faces[0]!.faceUrl!));
    expect(crop.status).toBe(200);
    const part = await http(path(video.videoUrl), { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toMatch(/^bytes 100-199\/\d+$/);
    expect((await part.res.arrayBuffer()).byteLength).toBe(100);
    const outside = await http(path(video.videoUrl), { headers: { range: 'bytes=999999999-' } });
    expect(outside.status).toBe(416);
  });

  it('refuses bad videos with a reason each, counts them in /stats, and reuses a copy’s analysis', async () => {
    const res = await http('/stats');
    const stats = StatsShape.parse(res.json);
    expect(stats.photoCount).toBe(7);
    expect(stats.videos).toEqual({ indexed: 4, refused: 3, unavailableReason: null });
    const refused = outcomes.filter((o) => o.outcome === 'rejected');
    expect(refused.map((o) => [o.uri.split('/').pop(), o.reason?.split(':')[0]]).sort()).toEqual([
      ['empty.mp4', 'empty'],
      ['noise.mov', 'corrupt'],
      ['truncated.mp4', 'corrupt'],
    ]);
    // One analysis for both.mp4 and its copy.
    const analysed = logs.events('video.analysed').map((l) => l.key);
    expect(analysed).toContain('clips/both.mp4');
    expect(analysed).not.toContain('clips/both copy.mp4');
    expect(outcomes.find((o) => o.uri.endsWith('both copy.mp4'))?.outcome).toBe('done');
    // A refused video is not analysed again when it is delivered again unchanged.
    const again = await index(['clips/noise.mov']);
    expect(again[0]!.outcome).toBe('unchanged');
  });

  it('removes a deleted video’s faces from its person', async () => {
    const [hugo] = await people();
    await album.backend.removePhotos([uri('clips/upright.mov')]);
    const after = (await people()).find((p) => p.id === hugo!.id)!;
    expect(after.videoCount).toBe(2);
    expect(after.imageCount).toBe(4);
    expect((await http(`/photos/faces?uri=${encodeURIComponent('clips/upright.mov')}`)).status).toBe(404);
  });
});

describe('videos with no ffmpeg', () => {
  it('still indexes photos, and refuses videos once, with the reason in /stats and the outcome', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-noffmpeg-'));
    const photos = join(dir, 'photos');
    mkdirSync(photos, { recursive: true });
    copyFileSync(dev('Hugo_Chavez/1.jpg'), join(photos, 'a.jpg'));
    writeFileSync(join(photos, 'clip.mp4'), Buffer.alloc(1000, 1));
    const log = captureLogs();
    const noFfmpeg = openLocalAlbum({
      photosDir: photos,
      dataDir: join(dir, 'data'),
      workers: 1,
      env: { FACE_ALBUM_FFMPEG: join(dir, 'no-such-ffmpeg') },
      log: log.log,
    });
    try {
      await noFfmpeg.backend.checkVideoSupport(log.log);
      expect(log.events('video.unavailable')[0]?.reason).toMatch(/no-such-ffmpeg.*does not run/);
      const first = await noFfmpeg.backend.indexPhotos(
        ['a.jpg', 'clip.mp4'].map((k) => `oss://local/${k}`),
        log.log,
      );
      expect(first.map((o) => o.outcome)).toEqual(['done', 'rejected']);
      expect(first[1]!.reason).toMatch(/^no_ffmpeg: /);
      const stats = StatsShape.parse(await noFfmpeg.backend.stats());
      expect(stats.videos.refused).toBe(1);
      expect(stats.videos.unavailableReason).toMatch(/does not run/);
      // Not tried again until the file changes or an ffmpeg is found.
      const again = await noFfmpeg.backend.indexPhotos(['oss://local/clip.mp4'], log.log);
      expect(again[0]!.outcome).toBe('unchanged');
    } finally {
      await noFfmpeg.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('odd videos: a lying header, variable frame rate, sound only, 2 GB, a file still being written', () => {
  let dir: string;
  let odd: LocalAlbum;
  let oddLogs: ReturnType<typeof captureLogs>;
  const at = (key: string) => `oss://${odd.bucket}/${key}`;
  const get = async (key: string) =>
    VideoPhotoShape.parse(
      await (await odd.runtime.api.request(`/photos/faces?uri=${encodeURIComponent(key)}`)).json(),
    );
  const hugo = async () => {
    const list = pageOf(PersonShape).parse(await (await odd.runtime.api.request('/people')).json()).items;
    expect(list).toHaveLength(1);
    return list[0]!;
  };

  beforeAll(async () => {
    const ff = await findFfmpeg({});
    if (!ff.ok) throw new Error(ff.reason);
    dir = mkdtempSync(join(tmpdir(), 'fa-odd-video-'));
    const photos = join(dir, 'photos');
    mkdirSync(photos, { recursive: true });
    PHOTOS.hugo.forEach((p, i) => {
      copyFileSync(dev(p), join(photos, `hugo-${i}.jpg`));
    });
    const three = [{ image: dev('Hugo_Chavez/11.jpg'), seconds: 3 }];
    // Says 2 h (every duration in its header), holds 3 s.
    await makeClip(ff.path, join(photos, 'liar.mp4'), three, { ...CLIP, codec: 'h264' });
    await overstateDuration(join(photos, 'liar.mp4'), 2400);
    // 30 fps, then 4 fps while Hugo is on screen (2–5 s), then 30 fps again.
    await makeClip(
      ff.path,
      join(photos, 'vfr.mp4'),
      [
        { image: null, seconds: 2 },
        { image: dev('Hugo_Chavez/13.jpg'), seconds: 3 },
        { image: null, seconds: 3 },
      ],
      { ...CLIP, codec: 'h264', vfr: true },
    );
    await makeAudioOnly(ff.path, join(photos, 'voice.mp4'));
    // 2 GiB: a 3 s clip and then (sparse) padding to 2 GiB that no player reads.
    await makeClip(ff.path, join(photos, 'huge.mp4'), three, { ...CLIP, codec: 'h264' });
    truncateSync(join(photos, 'huge.mp4'), 2 * 1024 ** 3);
    // Still being written: the first third of a clip now, the rest later.
    await makeClip(ff.path, join(dir, 'whole.mp4'), three, { ...CLIP, codec: 'h264' });
    const whole = readFileSync(join(dir, 'whole.mp4'));
    writeFileSync(join(photos, 'growing.mp4'), whole.subarray(0, Math.floor(whole.length / 3)));
    oddLogs = captureLogs();
    odd = openLocalAlbum({
      photosDir: photos,
      dataDir: join(dir, 'data'),
      workers: 1,
      env: {},
      log: oddLogs.log,
    });
    await odd.backend.indexPhotos(
      [0, 1, 2, 3].map((i) => at(`hugo-${i}.jpg`)),
      oddLogs.log,
    );
  }, 600_000);
  afterAll(async () => {
    await odd?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('analyses the 3 s a 2-hour header holds, says so in the log, and keeps the real length', async () => {
    const [o] = await odd.backend.indexPhotos([at('liar.mp4')], oddLogs.log);
    expect(o!.outcome).toBe('done');
    expect(oddLogs.events('video.shorter_than_container')[0]).toMatchObject({ containerSeconds: 7200 });
    await odd.backend.runClustering({ deadline: Date.now() + 120_000, log: oddLogs.log });
    const video = await get('liar.mp4');
    expect(video.durationSeconds).toBeLessThan(5);
    expect(video.faces.some((f) => f.personId !== null)).toBe(true);
  });

  it('places faces of a variable-frame-rate clip at their own times', async () => {
    const [o] = await odd.backend.indexPhotos([at('vfr.mp4')], oddLogs.log);
    expect(o!.outcome).toBe('done');
    await odd.backend.runClustering({ deadline: Date.now() + 120_000, log: oddLogs.log });
    const person = await hugo();
    const video = pageOf(VideoPhotoShape)
      .parse(await (await odd.runtime.api.request(`/people/${person.id}/photos?mediaType=video`)).json())
      .items.find((v) => v.key === 'vfr.mp4')!;
    expect(video.durationSeconds).toBeCloseTo(8, 0);
    expect(video.appearances).toHaveLength(1);
    expect(video.appearances[0]!.fromSeconds).toBeGreaterThanOrEqual(1.5);
    expect(video.appearances[0]!.fromSeconds).toBeLessThanOrEqual(3);
    expect(video.appearances[0]!.toSeconds).toBeGreaterThanOrEqual(3.5);
    expect(video.appearances[0]!.toSeconds).toBeLessThanOrEqual(5.5);
  });

  it('refuses a sound-only file with its reason, once', async () => {
    const [o] = await odd.backend.indexPhotos([at('voice.mp4')], oddLogs.log);
    expect(o).toMatchObject({
      outcome: 'rejected',
      reason: expect.stringMatching(/^unsupported: audio only/),
    });
    expect((await odd.backend.indexPhotos([at('voice.mp4')], oddLogs.log))[0]!.outcome).toBe('unchanged');
  });

  it('analyses a 2 GiB file like any other (the decoder reads what it needs)', async () => {
    const [o] = await odd.backend.indexPhotos([at('huge.mp4')], oddLogs.log);
    expect(o!.outcome).toBe('done');
    const video = await get('huge.mp4');
    expect(video.durationSeconds).toBeCloseTo(3, 0);
    expect(video.faces.length).toBeGreaterThan(0);
  });

  it('refuses a file still being written, and indexes it once the writing has changed it', async () => {
    const [first] = await odd.backend.indexPhotos([at('growing.mp4')], oddLogs.log);
    expect(first).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/^corrupt: /) });
    // Unchanged: not tried again (a restart does not retry a hopeless file forever).
    expect((await odd.backend.indexPhotos([at('growing.mp4')], oddLogs.log))[0]!.outcome).toBe('unchanged');
    copyFileSync(join(dir, 'whole.mp4'), join(dir, 'photos', 'growing.mp4'));
    const [done] = await odd.backend.indexPhotos([at('growing.mp4')], oddLogs.log);
    expect(done!.outcome).toBe('done');
    expect((await get('growing.mp4')).faces.length).toBeGreaterThan(0);
  });
});

describe('a person seen in two tracks of one clip', () => {
  let dir: string;
  let two: LocalAlbum;
  beforeAll(async () => {
    const ff = await findFfmpeg({});
    if (!ff.ok) throw new Error(ff.reason);
    dir = mkdtempSync(join(tmpdir(), 'fa-two-tracks-'));
    const photos = join(dir, 'photos');
    mkdirSync(photos, { recursive: true });
    for (const i of [1, 2, 3, 4, 5]) copyFileSync(dev(`Bill_Gates/${i}.jpg`), join(photos, `bill-${i}.jpg`));
    // Two held-out photos of him too different for one track, a grey second between (bench:video's
    // quality clip): two tracks, never seen at one time.
    await makeClip(
      ff.path,
      join(photos, 'bill.mp4'),
      [
        { image: dev('Bill_Gates/10.jpg'), seconds: 3 },
        { image: null, seconds: 1 },
        { image: dev('Bill_Gates/11.jpg'), seconds: 3 },
      ],
      { width: 1280, height: 720, codec: 'h264', photoHeight: 600 },
    );
    const logs = captureLogs();
    two = openLocalAlbum({
      photosDir: photos,
      dataDir: join(dir, 'data'),
      workers: 1,
      env: {},
      log: logs.log,
    });
    const keys = [...[1, 2, 3, 4, 5].map((i) => `bill-${i}.jpg`), 'bill.mp4'];
    await two.backend.indexPhotos(
      keys.map((k) => `oss://${two.bucket}/${k}`),
      logs.log,
    );
    const run = await two.backend.runClustering({ deadline: Date.now() + 120_000, log: logs.log });
    expect(run.outcome).toBe('succeeded');
  }, 600_000);
  afterAll(async () => {
    await two?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('puts both tracks in his person, whose appearances hold both', async () => {
    const list = pageOf(PersonShape).parse(await (await two.runtime.api.request('/people')).json()).items;
    expect(list.map((p) => [p.imageCount, p.videoCount])).toEqual([[5, 1]]);
    const clip = VideoPhotoShape.parse(
      await (await two.runtime.api.request(`/photos/faces?uri=${encodeURIComponent('bill.mp4')}`)).json(),
    );
    // Kept faces of both shots, every one on him (before: the second track in no person).
    expect(clip.faces.some((f) => f.timeSeconds < 3)).toBe(true);
    expect(clip.faces.some((f) => f.timeSeconds > 4)).toBe(true);
    expect(clip.faces.map((f) => f.personId)).toEqual(clip.faces.map(() => list[0]!.id));
    const mine = pageOf(VideoPhotoShape).parse(
      await (await two.runtime.api.request(`/people/${list[0]!.id}/photos?mediaType=video`)).json(),
    ).items[0]!.appearances;
    expect(mine).toHaveLength(2);
    expect(mine[0]!.fromSeconds).toBeLessThanOrEqual(0.5);
    expect(mine[1]!.fromSeconds).toBeGreaterThanOrEqual(3.5);
    expect(mine[1]!.toSeconds).toBeGreaterThanOrEqual(5.5);
  });
});

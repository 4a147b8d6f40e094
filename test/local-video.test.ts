/**
 * Videos on the local backend, end to end with the real parts: clips made now by the installed ffmpeg
 * from faces-dev photos, the real engine, SQLite, and the HTTP API. A clip of a person whose photos are
 * in the album lands in that person, says when the person appears, and never founds a person alone.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAlbum, openLocalAlbum } from '../src/local/local-runtime';
import { findFfmpeg } from '../src/local/video/ffmpeg-binary';
import { PersonShape, PhotoShape, pageOf, StatsShape, VideoPhotoShape } from './contract/api-shapes';
import { captureLogs } from './fake-imm/fc-events';
import { makeClip } from './support/make-clip';

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

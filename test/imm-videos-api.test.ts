import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PersonShape, PhotoShape, pageOf, StatsShape } from './contract/api-shapes';
import { type FakeImm, goodFace, startFakeImm } from './fake-imm/fake-imm';
import {
  captureLogs,
  fcContext,
  httpEvent,
  immEnv,
  immFunctions,
  ossEvent,
  setEnv,
  timerEvent,
} from './fake-imm/fc-events';
import { type FakeOss, startFakeOss } from './fake-oss/fake-oss';

/**
 * Videos on the IMM backend end to end, through the three FC handlers and real HTTP fakes of IMM and OSS:
 * an uploaded clip becomes frames under .album-frames/ that cluster with the photos; the API gives the
 * video (never its frames) in the person's list with faces[].timeSeconds and merged appearances.
 */
const KEY = 'api-key-0123456789abcdef';
const BUCKET = 'testbucket';
const ALICE_PHOTOS = ['photos/alice/1.jpg', 'photos/alice/2.jpg', 'photos/alice/3.jpg'];
const BOB_PHOTOS = ['photos/bob/1.jpg', 'photos/bob/2.jpg', 'photos/bob/3.jpg'];
const CLIP = 'photos/clips/park.mp4';
const uriOf = (key: string) => `oss://${BUCKET}/${key}`;

let fake: FakeImm;
let oss: FakeOss;
let restore: () => void;
const logs = captureLogs();
const fns = immFunctions(logs.log);

async function api(path: string): Promise<{ status: number; json: any }> {
  const res = await fns.api(
    httpEvent('GET', path, { headers: { authorization: `Bearer ${KEY}` } }),
    fcContext(),
  );
  return { status: res.statusCode, json: JSON.parse(res.body || 'null') };
}
const dataset = () => fake.state.dataset('album_p', 'album_d');
let alice = '';
let bob = '';

beforeAll(async () => {
  fake = await startFakeImm({ project: 'album_p', dataset: 'album_d' });
  oss = await startFakeOss(BUCKET);
  fake.onObjectWritten((uri) => oss.keys.add(uri.replace(`oss://${BUCKET}/`, '')));
  restore = setEnv(immEnv(fake.endpoint, { OSS_FRAMES_ENDPOINT: oss.endpoint, ALBUM_API_KEY: KEY }));
  for (const key of ALICE_PHOTOS) fake.seedFaces(uriOf(key), [goodFace('alice')]);
  for (const key of BOB_PHOTOS) fake.seedFaces(uriOf(key), [goodFace('bob', { Gender: 'male' })]);
  // 10 s: alice is seen in the first 6 s, bob from 4 s on (frames at 1, 3, 5, 7, 9 s).
  fake.seedVideo(uriOf(CLIP), {
    duration: 10,
    produceTime: '2026-05-01T12:00:00Z',
    appearances: [
      { from: 0, to: 6, figure: goodFace('alice') },
      {
        from: 4,
        to: 10,
        figure: goodFace('bob', {
          Gender: 'male',
          Boundary: { Left: 900, Top: 80, Width: 200, Height: 220 },
        }),
      },
    ],
  });
  const res = await fns.indexer(
    ossEvent([...ALICE_PHOTOS, ...BOB_PHOTOS, CLIP].map((key) => ({ key }))),
    fcContext(),
  );
  expect(res.ok).toBe(true);
  expect(res.outcomes?.find((o) => o.uri === uriOf(CLIP))?.outcome).toBe('submitted');
  expect((await fns.clusterer(timerEvent(), fcContext())).ok).toBe(true);
  const listed = await api('/people');
  if (listed.status !== 200) throw new Error(JSON.stringify(logs.lines().filter((l) => l.level === 'error')));
  const people = pageOf(PersonShape).parse(listed.json).items;
  alice = people.find((p) => p.gender === 'female')!.id;
  bob = people.find((p) => p.gender === 'male')!.id;
});
afterAll(async () => {
  restore();
  await fake.close();
  await oss.close();
});

describe('videos on the IMM backend (API)', () => {
  it('counts a person’s videos and leaves frames out of image counts', async () => {
    // IMM itself counts the 3 frames alice is on as images of hers.
    expect(fake.state.dataset('album_p', 'album_d').clusters.get(alice)!.ImageCount).toBe(6);
    const person = PersonShape.parse((await api(`/people/${alice}`)).json);
    expect(person).toMatchObject({ imageCount: 3, videoCount: 1 });
    const people = pageOf(PersonShape).parse((await api('/people')).json).items;
    expect(people.map((p) => [p.imageCount, p.videoCount])).toEqual([
      [3, 1],
      [3, 1],
    ]);
  });

  it('lists the video once beside the photos, with timed faces and merged appearances', async () => {
    const page = pageOf(PhotoShape).parse((await api(`/people/${alice}/photos`)).json);
    expect(page.items.map((p) => p.key).sort()).toEqual([...ALICE_PHOTOS, CLIP].sort());
    const video = page.items.find((p) => p.mediaType === 'video')!;
    if (video.mediaType !== 'video') throw new Error('no video');
    expect(video).toMatchObject({
      uri: uriOf(CLIP),
      durationSeconds: 10,
      takenAt: '2026-05-01T12:00:00Z',
      width: 1920,
      height: 1080,
      appearances: [{ fromSeconds: 0, toSeconds: 6 }],
    });
    // Every face on alice's frames (1, 3, 5 s), bob's included where he is on them (5 s).
    expect(video.faces.map((f) => [f.timeSeconds, f.personId])).toEqual([
      [1, alice],
      [3, alice],
      [5, alice],
      [5, bob],
    ]);
    // A video face's crop is cut from the frame it was seen on.
    expect(video.faces[0]!.faceUrl).toContain('.album-frames/photos/clips/park.mp4/000001000.jpg');
    expect(video.videoUrl).toContain('park.mp4');
    const forBob = pageOf(PhotoShape).parse((await api(`/people/${bob}/photos?mediaType=video`)).json);
    expect(forBob.items).toHaveLength(1);
    expect(forBob.items[0]).toMatchObject({ appearances: [{ fromSeconds: 4, toSeconds: 10 }] });
  });

  it('filters by media type and pages without repeating or losing an item', async () => {
    const images = pageOf(PhotoShape).parse((await api(`/people/${alice}/photos?mediaType=image`)).json);
    expect(images.items.map((p) => p.key).sort()).toEqual([...ALICE_PHOTOS].sort());
    const videos = pageOf(PhotoShape).parse((await api(`/people/${alice}/photos?mediaType=video`)).json);
    expect(videos.items.map((p) => p.key)).toEqual([CLIP]);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = pageOf(PhotoShape).parse((await api(`/people/${alice}/photos?limit=1${q}`)).json);
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((p) => p.key));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual([...ALICE_PHOTOS, CLIP].sort());
  });

  it('finds the video among the photos with its people (GET /photos?people=), paged after the photos', async () => {
    // No photo holds both; the clip does (its frames show each of them), once, with everyone's spans.
    for (const q of [`${alice},${bob}`, `${bob},${alice}&mediaType=video`]) {
      const both = pageOf(PhotoShape).parse((await api(`/photos?people=${q}`)).json);
      expect(both.items.map((p) => [p.key, p.mediaType])).toEqual([[CLIP, 'video']]);
      expect(both.items[0]).toMatchObject({ appearances: [{ fromSeconds: 0, toSeconds: 10 }] });
      expect(both.items[0]!.faces).toHaveLength(6);
    }
    const images = pageOf(PhotoShape).parse((await api(`/photos?people=${alice}&mediaType=image`)).json);
    expect(images.items.map((p) => p.key).sort()).toEqual([...ALICE_PHOTOS].sort());
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const page = pageOf(PhotoShape).parse((await api(`/photos?people=${alice}&limit=1${q}`)).json);
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((p) => p.key));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    // Her photos, then the clip: each once.
    expect(seen).toHaveLength(ALICE_PHOTOS.length + 1);
    expect(seen.slice(0, -1).sort()).toEqual([...ALICE_PHOTOS].sort());
    expect(seen.at(-1)).toBe(CLIP);
  });

  it('shows a video’s faces by uri; a frame is never a photo', async () => {
    const video = PhotoShape.parse((await api(`/photos/faces?uri=${encodeURIComponent(CLIP)}`)).json);
    expect(video).toMatchObject({ mediaType: 'video', appearances: [{ fromSeconds: 0, toSeconds: 10 }] });
    expect(video.faces).toHaveLength(6);
    const frame = `${BUCKET}/.album-frames/${CLIP}/000001000.jpg`;
    expect((await api(`/photos/faces?uri=${encodeURIComponent(`oss://${frame}`)}`)).status).toBe(404);
    const stats = StatsShape.parse((await api('/stats')).json);
    // 6 photos; the dataset holds 11 files with the 5 frames.
    expect(dataset().files.size).toBe(11);
    expect(stats.photoCount).toBe(6);
  });

  it('never indexes a frame as a photo, even when the trigger covers the whole bucket', async () => {
    const restoreAll = setEnv(
      immEnv(fake.endpoint, { OSS_FRAMES_ENDPOINT: oss.endpoint, ALBUM_API_KEY: KEY, PHOTO_PREFIX: '' }),
    );
    try {
      const before = fake.requests.length;
      const frames = [...oss.keys].filter((k) => k.startsWith('.album-frames/'));
      expect(frames).toHaveLength(5);
      const res = await fns.indexer(ossEvent(frames.map((key) => ({ key }))), fcContext());
      expect(res).toMatchObject({ ok: true, outcomes: [] });
      expect(fake.requests.length).toBe(before);
      expect(logs.events('photo.skipped').map((l) => l.reason)).toContain(
        'a video frame the album captured (.album-frames/), not a photo',
      );
    } finally {
      restoreAll();
      restore = setEnv(immEnv(fake.endpoint, { OSS_FRAMES_ENDPOINT: oss.endpoint, ALBUM_API_KEY: KEY }));
    }
  });

  it('deleting the video deletes its frames, their entries, and the person’s video', async () => {
    const res = await fns.indexer(ossEvent([{ key: CLIP, removed: true }]), fcContext());
    expect(res).toMatchObject({
      ok: true,
      outcomes: [{ uri: uriOf(CLIP), action: 'remove', outcome: 'done' }],
    });
    expect([...dataset().files.keys()].filter((u) => u.includes('.album-frames/'))).toEqual([]);
    expect([...oss.keys].filter((k) => k.startsWith('.album-frames/'))).toEqual([]);
    const person = PersonShape.parse((await api(`/people/${alice}`)).json);
    expect(person).toMatchObject({ imageCount: 3, videoCount: 0 });
    const list = pageOf(PhotoShape).parse((await api(`/people/${alice}/photos`)).json);
    expect(list.items.map((p) => p.mediaType)).toEqual(['image', 'image', 'image']);
    expect((await api(`/photos/faces?uri=${encodeURIComponent(CLIP)}`)).status).toBe(404);
  });
});

/**
 * Asking the album (docs/ask-the-album.md), through the same FC handlers on both backends: face attributes,
 * photos of several people together, a person's photos by date and attribute, name search, "who is this?".
 * Every answer is checked against the strict shapes in api-shapes.ts.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACE_ATTRIBUTE_VALUES } from '../../src/album/face-attributes';
import { type AlbumUnderTest, devPhoto, immAlbum, immLibraryAlbum, localAlbum, SPARE } from './album-harness';
import {
  CapabilitiesShape,
  ErrorShape,
  FaceSearchShape,
  PersonShape,
  PhotoShape,
  pageOf,
} from './api-shapes';

const TOGETHER_AT = '2024-07-14T15:30:00.000Z';
const ALICE_DATED_AT = '2023-01-20T09:00:00.000Z';

describe.each([
  ['imm', immAlbum],
  ['imm, one library of LIBRARY_MODE=prefix', immLibraryAlbum],
  ['local', localAlbum],
] as const)('asking the album on the %s backend', (_name, open) => {
  let album: AlbumUnderTest;
  let alice: string;
  let bob: string;
  // Keys under the album's own folder ('photos/', or 'photos/lib/' for the library of prefix mode).
  let TOGETHER: string;
  let ALICE_DATED: string;
  let NO_FACE: string;
  const local = () => album.backend === 'local';
  const photos = async (path: string) => {
    const res = await album.http('GET', path);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    return pageOf(PhotoShape).parse(res.json);
  };
  const keys = async (path: string) => (await photos(path)).items.map((p) => p.key);

  beforeAll(async () => {
    album = await open();
    const base = album.keys.stranger[0]!.replace(/misc\/s1\.jpg$/, '');
    TOGETHER = `${base}together/summer.jpg`;
    ALICE_DATED = `${base}alice/winter.jpg`;
    NO_FACE = `${base}misc/wall.jpg`;
    await album.addPhoto(TOGETHER, ['alice', 'bob'], TOGETHER_AT);
    await album.addPhoto(ALICE_DATED, ['alice'], ALICE_DATED_AT);
    await album.addPhoto(NO_FACE, [], null);
    const all = [...album.keys.alice, ...album.keys.bob, ...album.keys.stranger, TOGETHER, ALICE_DATED];
    expect(await album.deliver(all.map((key) => ({ key })))).toMatchObject({ ok: true });
    expect(await album.tick()).toMatchObject({ ok: true, outcome: 'succeeded' });
    const people = pageOf(PersonShape).parse((await album.http('GET', '/people?sort=imageCount')).json);
    expect(people.items.map((p) => p.imageCount)).toEqual([6, 4]);
    [alice, bob] = people.items.map((p) => p.id) as [string, string];
  }, 240_000);
  afterAll(async () => {
    await album?.close();
  });

  it('names the face attributes it tells, and every face carries only those, in IMM’s vocabulary', async () => {
    const caps = CapabilitiesShape.parse((await album.http('GET', '/capabilities')).json);
    expect(caps.faceAttributes).toEqual(
      local() ? ['emotion', 'mouth', 'eyes'] : ['emotion', 'mouth', 'mask', 'glasses', 'hat', 'beard'],
    );
    const page = await photos(`/people/${alice}/photos`);
    const faces = page.items.flatMap((p) => p.faces);
    expect(faces.length).toBeGreaterThan(0);
    for (const face of faces) {
      expect(Object.keys(face.attributes).every((k) => caps.faceAttributes.includes(k as never))).toBe(true);
    }
    // Emotion is told on every frontal face by both engines.
    expect(faces.every((f) => f.attributes.emotion !== undefined)).toBe(true);
    if (!local()) {
      // Everything IMM returned on the figure, confidence included.
      const smiling = faces.filter((f) => f.attributes.emotion?.value === 'happiness');
      expect(smiling.map((f) => f.attributes.emotion)).toEqual([
        { value: 'happiness', confidence: 0.93 },
        { value: 'happiness', confidence: 0.93 },
      ]);
      expect(faces[0]!.attributes.glasses).toEqual({ value: 'none', confidence: 0.97 });
      expect(faces.every((f) => f.attributes.eyes === undefined)).toBe(true);
    } else {
      for (const f of faces) {
        expect(FACE_ATTRIBUTE_VALUES.mouth).toContain(f.attributes.mouth?.value);
        expect(FACE_ATTRIBUTE_VALUES.eyes).toContain(f.attributes.eyes?.value);
      }
    }
  });

  it('lists the photos holding all the listed people, newest first, undated last, page by page', async () => {
    expect(await keys(`/photos?people=${alice},${bob}`)).toEqual([TOGETHER]);
    expect(await keys(`/photos?people=${bob},${alice}`)).toEqual([TOGETHER]);
    const aliceAll = await keys(`/photos?people=${alice}`);
    expect(aliceAll.slice(0, 2)).toEqual([TOGETHER, ALICE_DATED]);
    expect([...aliceAll].sort()).toEqual([...album.keys.alice, TOGETHER, ALICE_DATED].sort());
    // Keyset pages: every photo exactly once, same order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await photos(`/photos?people=${alice}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((p) => p.key));
      cursor = page.nextCursor ? encodeURIComponent(page.nextCursor) : null;
    } while (cursor);
    expect(seen).toEqual(aliceAll);
    expect(await keys(`/photos?people=${alice},${bob}&from=2024-07-01&to=2024-07-31`)).toEqual([TOGETHER]);
    expect(await keys(`/photos?people=${alice},${bob}&to=2024-07-13`)).toEqual([]);
  });

  it('filters a person’s photos by taken date; photos without a date are outside any range', async () => {
    expect(await keys(`/people/${alice}/photos?from=2023-01-01`)).toEqual([TOGETHER, ALICE_DATED]);
    expect(await keys(`/people/${alice}/photos?from=2023-01-01&to=2023-12-31`)).toEqual([ALICE_DATED]);
    expect(await keys(`/people/${alice}/photos?to=2023-01-20T08:59:59Z`)).toEqual([]);
    expect(await keys(`/people/${bob}/photos?from=2024-07-14T15:30:00Z&to=2024-07-14T15:30:00Z`)).toEqual([
      TOGETHER,
    ]);
  });

  it('filters a person’s photos by the attributes of their face there', async () => {
    const all = (await photos(`/people/${alice}/photos`)).items;
    const emotionOf = (p: (typeof all)[number]) =>
      p.faces.find((f) => f.personId === alice)?.attributes.emotion?.value;
    for (const emotion of ['happiness', 'none']) {
      const expected = all.filter((p) => emotionOf(p) === emotion).map((p) => p.key);
      expect(await keys(`/people/${alice}/photos?emotion=${emotion}`)).toEqual(expected);
    }
    if (!local()) expect(all.filter((p) => emotionOf(p) === 'happiness')).toHaveLength(2);
    const mouthOf = (p: (typeof all)[number]) =>
      p.faces.find((f) => f.personId === alice)?.attributes.mouth?.value;
    const both = all.filter((p) => emotionOf(p) === 'happiness' && mouthOf(p) === 'open').map((p) => p.key);
    expect(await keys(`/people/${alice}/photos?emotion=happiness&mouth=open`)).toEqual(both);
  });

  it('finds people by a part of their name, whatever the case, accents, width or script', async () => {
    expect((await album.http('PATCH', `/people/${alice}`, { name: 'Ålice Chávez' })).status).toBe(200);
    expect((await album.http('PATCH', `/people/${bob}`, { name: '李娜 Ｂｏｂ' })).status).toBe(200);
    const ids = async (q: string, extra = '') => {
      const res = await album.http('GET', `/people?q=${encodeURIComponent(q)}${extra}`);
      expect({ q, status: res.status }).toEqual({ q, status: 200 });
      return pageOf(PersonShape)
        .parse(res.json)
        .items.map((p) => p.id);
    };
    expect(await ids('ALICE')).toEqual([alice]);
    expect(await ids('chav')).toEqual([alice]);
    expect(await ids('娜')).toEqual([bob]);
    expect(await ids('bob')).toEqual([bob]);
    expect(await ids('e c')).toEqual([alice]);
    expect(await ids('zzz')).toEqual([]);
    expect(await ids('i', '&sort=name')).toEqual([alice]);
    expect((await ids('a', '&sort=name&limit=1')).length).toBe(1);
  });

  it('tells who the faces of a photo are, storing nothing', async () => {
    const before = (await album.http('GET', '/stats')).json;
    const res = await album.http('POST', '/people/search', { uri: TOGETHER });
    expect(res.status).toBe(200);
    const found = FaceSearchShape.parse(res.json);
    expect(found.faces).toHaveLength(2);
    const left = [...found.faces].sort((a, b) => a.box.left - b.box.left);
    expect(left.map((f) => f.matches[0]?.person.id)).toEqual([alice, bob]);
    for (const f of found.faces) {
      expect(f.matches[0]!.similarity).toBeGreaterThanOrEqual(0.5);
      const sims = f.matches.map((m) => m.similarity);
      expect(sims).toEqual([...sims].sort((a, b) => b - a));
    }
    expect((await album.http('GET', '/stats')).json).toEqual(before);
  });

  it.skipIf(_name !== 'local')('tells who is on an uploaded photo that is not in the album', async () => {
    const res = await album.upload('/people/search', devPhoto(SPARE.alice[3]!), 'image/jpeg');
    expect(res.status).toBe(200);
    const found = FaceSearchShape.parse(res.json);
    expect(found.faces.map((f) => f.matches[0]?.person.id)).toContain(alice);
    // A stranger's face matches nobody.
    const stranger = await album.upload('/people/search', devPhoto('Jennifer_Capriati/2.jpg'), 'image/jpeg');
    expect(stranger.status).toBe(200);
    expect(FaceSearchShape.parse(stranger.json).faces.flatMap((f) => f.matches)).toEqual([]);
  });

  it('answers each bad question with a 4xx naming the problem', async () => {
    const tooMany = Array.from({ length: 51 }, (_, i) => `p${i}`).join(',');
    const hugeQ = 'a'.repeat(10 * 1024);
    for (const [path, status, words] of [
      [`/people/${alice}/photos?smile=yes`, 400, 'smile'],
      [`/people/${alice}/photos?emotion=joy`, 400, 'emotion'],
      [`/people/${alice}/photos?from=last-summer`, 400, 'from'],
      [`/people/${alice}/photos?from=2024-02-01&to=2024-01-01`, 400, 'from'],
      [`/people/${alice}/photos?${local() ? 'mask=none' : 'eyes=open'}`, 400, local() ? 'mask' : 'eyes'],
      ['/photos', 400, 'people'],
      ['/photos?people=', 400, 'people'],
      [`/photos?people=${alice},`, 400, 'people'],
      [`/photos?people=${tooMany}`, 400, 'at most 50'],
      [`/photos?people=${alice}&mediaType=gif`, 400, 'mediaType'],
      [`/photos?people=${alice},Cluster-nobody`, 404, 'Cluster-nobody'],
      [`/people?q=${hugeQ}`, 400, 'at most 128'],
      [`/people?q=${encodeURIComponent('ali\u0007ce')}`, 400, 'control'],
      ['/people?q=', 400, 'q'],
    ] as const) {
      const res = await album.http('GET', path);
      expect({ path: path.slice(0, 80), status: res.status }).toEqual({ path: path.slice(0, 80), status });
      expect(ErrorShape.parse(res.json).error.message).toContain(words);
    }
    // A hidden person is refused by id; unhidden it answers again.
    expect((await album.http('PATCH', `/people/${bob}`, { hidden: true })).status).toBe(200);
    const hidden = await album.http('GET', `/photos?people=${alice},${bob}`);
    expect(hidden.status).toBe(400);
    expect(ErrorShape.parse(hidden.json).error.message).toContain(`${bob} is hidden`);
    expect((await album.http('PATCH', `/people/${bob}`, { hidden: false })).status).toBe(200);

    const notImage = await album.upload('/people/search', Buffer.from('this is not an image'), 'image/jpeg');
    expect(notImage.status).toBe(400);
    const noFace = await album.http('POST', '/people/search', { uri: NO_FACE });
    expect(noFace.status).toBe(400);
    expect(ErrorShape.parse(noFace.json).error.message).toContain('no face');
    const wrongType = await album.upload('/people/search', Buffer.from('{}'), 'text/plain');
    expect(wrongType.status).toBe(400);
    const huge = await album.upload('/people/search', Buffer.alloc(50 * 1024 * 1024, 1), 'image/jpeg');
    expect(huge.status).toBe(400);
    expect(ErrorShape.parse(huge.json).error.message).toContain('larger than');
    if (local()) {
      const blank = await sharp({ create: { width: 400, height: 300, channels: 3, background: '#808080' } })
        .jpeg()
        .toBuffer();
      const none = await album.upload('/people/search', blank, 'image/jpeg');
      expect(none.status).toBe(400);
      expect(ErrorShape.parse(none.json).error.message).toContain('no face');
    }
  });

  it('takes a merged-away id as the person it was merged into (local keeps the record; IMM deletes it)', async () => {
    const res = await album.http('POST', '/people/merge', { from: [bob], into: alice });
    expect(res.status).toBe(202);
    // Local merges finish at once; IMM's task is polled by the fake's clock.
    for (let i = 0; i < 100 && (await album.http('GET', `/people/${bob}`)).status === 200; i++)
      await new Promise((r) => setTimeout(r, 20));
    const merged = await album.http('GET', `/photos?people=${bob}`);
    if (local()) {
      expect(merged.status).toBe(200);
      expect(
        pageOf(PhotoShape)
          .parse(merged.json)
          .items.map((p) => p.key),
      ).toEqual(await keys(`/photos?people=${alice}`));
    } else {
      expect(merged.status).toBe(404);
      expect(ErrorShape.parse(merged.json).error.message).toContain(bob);
      expect(ErrorShape.parse(merged.json).error.message).toContain('merged into another is deleted');
    }
  });
});

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import type { HttpResult } from '../../src/fc/http-event';
import type { RuntimeFactory } from '../../src/runtime/album-runtime';
import {
  createClustererHandler,
  createHttpHandler,
  createIndexerHandler,
  type FcHandler,
} from '../../src/runtime/fc-handlers';
import { type FakeImm, goodFace, startFakeImm } from '../fake-imm/fake-imm';
import {
  captureLogs,
  fcContext,
  httpEvent,
  immEnv,
  immFunctions,
  type OssChange,
  ossEvent,
  setEnv,
  timerEvent,
} from '../fake-imm/fc-events';
import { startFakeOss } from '../fake-oss/fake-oss';

/**
 * One album, driven only through the three FC handlers (functions/*): OSS events in, timer ticks,
 * FC HTTP events for the API. The contract suite runs the same story against each backend.
 */
export interface AlbumUnderTest {
  backend: 'imm' | 'local';
  /** Photo keys of the two people and the distractor, as the bucket/folder names them. */
  keys: { alice: string[]; bob: string[]; stranger: string[] };
  /**
   * A video of alice (other shots of her than her photos), delivered with the photos: she is on screen
   * from `fromSeconds` for `seconds`. Absent where the backend does not index videos yet (IMM: the cloud
   * side of issue 18 adds it to the fake IMM).
   */
  video?: { key: string; fromSeconds: number; seconds: number; durationSeconds: number };
  uriOf(key: string): string;
  /** Delivers OSS events to the indexer handler. */
  deliver(changes: OssChange[]): Promise<unknown>;
  /** One clusterer invocation (timer trigger). */
  tick(): Promise<{ ok: boolean; outcome?: string }>;
  http(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: any; headers: Record<string, string> }>;
  /** A request whose body is raw bytes of the given content type. */
  upload(path: string, bytes: Buffer, contentType: string): Promise<{ status: number; json: any }>;
  /**
   * Puts a photo at `key` without delivering it: the listed people side by side (photos of them not yet
   * in the album; none: a face-less image), taken at `takenAt` (EXIF locally, ProduceTime on IMM).
   */
  addPhoto(key: string, people: ('alice' | 'bob')[], takenAt: string | null): Promise<void>;
  close(): Promise<void>;
  /**
   * Uploads a 10 s clip in which `who` is seen from 0 to 6 s (nobody after) and delivers its OSS event;
   * returns its key. Absent on a backend whose harness cannot make clips yet (the video test is skipped).
   */
  addClip?(who: 'alice' | 'bob'): Promise<string>;
}

/** The IMM side of a clip: what the fake IMM's DetectMediaMeta and frame capture see (10 s, who at 0–6 s). */
function seedClip(fake: FakeImm, uri: string, who: string): void {
  fake.seedVideo(uri, {
    duration: 10,
    width: 1280,
    height: 720,
    appearances: [{ from: 0, to: 6, figure: goodFace(who) }],
  });
}

/** Bytes of a faces-dev photo (e.g. for an upload that is not in the album). */
export function devPhoto(rel: string): Buffer {
  return readFileSync(join(DEV, rel));
}

/** Unused photos of each person, handed out in turn by addPhoto and the tests' uploads. */
export const SPARE = {
  // Chosen so the engine finds the face in a side-by-side composite too (Ariel_Sharon/4 and Hugo_Chavez/7 lose it).
  alice: ['Hugo_Chavez/5.jpg', 'Hugo_Chavez/6.jpg', 'Hugo_Chavez/10.jpg', 'Hugo_Chavez/11.jpg'],
  bob: ['Ariel_Sharon/6.jpg', 'Ariel_Sharon/5.jpg'],
};

/** What IMM says about a seeded face: alice smiles on her first two photos, the others do not. */
function immFigure(who: string, i: number, left = 120) {
  const smiling = who === 'alice' && i < 2;
  return goodFace(who, {
    Boundary: { Left: left, Top: 80, Width: 200, Height: 220 },
    Emotion: smiling ? 'happiness' : 'none',
    EmotionConfidence: smiling ? 0.93 : 0.81,
    Mouth: smiling ? 'open' : 'close',
    MouthConfidence: 0.88,
    Glasses: 'none',
    GlassesConfidence: 0.97,
    Hat: 'none',
    HatConfidence: 0.99,
    Mask: 'none',
    MaskConfidence: 0.99,
    Beard: who === 'bob' ? 'beard' : 'none',
    BeardConfidence: 0.7,
  });
}

/**
 * A local photo for addPhoto: faces-dev photos in a row across the middle of a square canvas (the detector
 * looks at a square: in a wide strip it found only one of two faces), the date as EXIF DateTime.
 */
async function composePhoto(rels: string[], takenAt: string | null): Promise<Buffer> {
  const side = Math.max(1, rels.length) * 250;
  const top = (side - 250) / 2;
  const image = sharp({
    create: { width: side, height: side, channels: 3, background: { r: 120, g: 120, b: 120 } },
  })
    .composite(rels.map((rel, i) => ({ input: readFileSync(join(DEV, rel)), left: i * 250, top })))
    .jpeg({ quality: 92 });
  const exif = takenAt ? takenAt.slice(0, 19).replace(/-/g, ':').replace('T', ' ') : null;
  return (exif ? image.withExif({ IFD0: { DateTime: exif } }) : image).toBuffer();
}

const DEV = resolve(import.meta.dirname, '../../../shared/datasets/faces-dev');
/** Real photos for the local engine: two people with clean frontal LFW shots and one stranger. */
const PEOPLE = {
  alice: ['Hugo_Chavez/1.jpg', 'Hugo_Chavez/2.jpg', 'Hugo_Chavez/3.jpg', 'Hugo_Chavez/4.jpg'],
  bob: ['Ariel_Sharon/1.jpg', 'Ariel_Sharon/2.jpg', 'Ariel_Sharon/3.jpg'],
  stranger: ['Jennifer_Capriati/1.jpg'],
};
/** Keys with the characters real buckets hold: spaces, Chinese, '+', '%'. */
const KEYS = {
  alice: [
    'photos/alice/a 1.jpg',
    'photos/alice/照片 2.jpg',
    'photos/alice/a+3.JPG',
    'photos/alice/100% 4.jpeg',
  ],
  bob: ['photos/bob/b1.jpg', 'photos/bob/b2.jpg', 'photos/bob/b3.jpg'],
  stranger: ['photos/misc/s1.jpg'],
};

async function callApi(
  apiHandler: FcHandler<HttpResult>,
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await apiHandler(httpEvent(method, path, { body, headers }), fcContext());
  return {
    status: res.statusCode,
    json: res.isBase64Encoded ? res.body : JSON.parse(res.body || 'null'),
    headers: res.headers,
  };
}

async function uploadTo(api: FcHandler<HttpResult>, path: string, bytes: Buffer, contentType: string) {
  const res = await api(httpEvent('POST', path, { rawBody: bytes, contentType }), fcContext());
  return { status: res.statusCode, json: JSON.parse(res.body || 'null') };
}

function seedPhoto(
  fake: Awaited<ReturnType<typeof startFakeImm>>,
  uri: string,
  people: ('alice' | 'bob')[],
  takenAt: string | null,
): void {
  fake.seedFaces(
    uri,
    people.map((who, i) => immFigure(who, 9, 20 + i * 250)),
    {
      ImageWidth: 250 * Math.max(1, people.length),
      ImageHeight: 250,
      ...(takenAt ? { ProduceTime: takenAt } : {}),
    },
  );
}

export async function immAlbum(): Promise<AlbumUnderTest> {
  const fake = await startFakeImm({ project: 'album_p', dataset: 'album_d' });
  // The bucket the frames of videos are written to and listed from.
  const oss = await startFakeOss('testbucket');
  fake.onObjectWritten((uri) => oss.keys.add(uri.replace('oss://testbucket/', '')));
  const restore = setEnv(immEnv(fake.endpoint, { OSS_FRAMES_ENDPOINT: oss.endpoint }));
  const logs = captureLogs();
  const fns = immFunctions(logs.log);
  const uriOf = (key: string) => `oss://testbucket/${key}`;
  for (const [who, keys] of Object.entries(KEYS)) {
    keys.forEach((key, i) => {
      fake.seedFaces(uriOf(key), [immFigure(who, i)], { ImageWidth: 250, ImageHeight: 250 });
    });
  }
  return {
    backend: 'imm',
    keys: KEYS,
    uriOf,
    deliver: (changes) => fns.indexer(ossEvent(changes), fcContext()),
    tick: () => fns.clusterer(timerEvent(), fcContext()),
    http: (method, path, body) => callApi(fns.api, method, path, body),
    addClip: async (who) => {
      const key = `photos/${who}/clip 1.mp4`;
      seedClip(fake, uriOf(key), who);
      await fns.indexer(ossEvent([{ key }]), fcContext());
      return key;
    },
    upload: (path, bytes, type) => uploadTo(fns.api, path, bytes, type),
    addPhoto: async (key, people, takenAt) => seedPhoto(fake, uriOf(key), people, takenAt),
    close: async () => {
      await fake.close();
      await oss.close();
      restore();
    },
  };
}

/**
 * The same album as one library of a LIBRARY_MODE=prefix deployment: photos under `photos/lib/`, its own
 * dataset `album_d-lib`, every route under `/libraries/lib`. Prefix mode starts clustering tasks without
 * waiting for them, so a tick here also waits (bounded) until the fake IMM has finished them.
 */
export async function immLibraryAlbum(): Promise<AlbumUnderTest> {
  const fake = await startFakeImm({ project: 'album_p' });
  const oss = await startFakeOss('testbucket');
  fake.onObjectWritten((uri) => oss.keys.add(uri.replace('oss://testbucket/', '')));
  const restore = setEnv(
    immEnv(fake.endpoint, { LIBRARY_MODE: 'prefix', OSS_FRAMES_ENDPOINT: oss.endpoint }),
  );
  const logs = captureLogs();
  const fns = immFunctions(logs.log);
  const keys = Object.fromEntries(
    Object.entries(KEYS).map(([who, list]) => [who, list.map((k) => k.replace(/^photos\//, 'photos/lib/'))]),
  ) as typeof KEYS;
  const uriOf = (key: string) => `oss://testbucket/${key}`;
  for (const [who, list] of Object.entries(keys)) {
    list.forEach((key, i) => {
      fake.seedFaces(uriOf(key), [immFigure(who, i)], { ImageWidth: 250, ImageHeight: 250 });
    });
  }
  const running = () => [...fake.state.tasks.values()].some((t) => t.info.Status === 'Running');
  return {
    backend: 'imm',
    keys,
    uriOf,
    deliver: (changes) => fns.indexer(ossEvent(changes), fcContext()),
    tick: async () => {
      const res = await fns.clusterer(timerEvent(), fcContext());
      for (let waited = 0; running() && waited < 5_000; waited += 20)
        await new Promise((r) => setTimeout(r, 20));
      const started = res.libraries?.some((l) => l.library === 'lib' && l.outcome === 'started');
      return { ok: res.ok, outcome: started && !running() ? 'succeeded' : res.outcome };
    },
    http: (method, path, body) =>
      callApi(fns.api, method, path === '/health' ? path : `/libraries/lib${path}`, body),
    addClip: async (who) => {
      const key = `photos/lib/${who}/clip 1.mp4`;
      seedClip(fake, uriOf(key), who);
      await fns.indexer(ossEvent([{ key }]), fcContext());
      return key;
    },
    upload: (path, bytes, type) => uploadTo(fns.api, `/libraries/lib${path}`, bytes, type),
    addPhoto: async (key, people, takenAt) => seedPhoto(fake, uriOf(key), people, takenAt),
    close: async () => {
      await fake.close();
      await oss.close();
      restore();
    },
  };
}

/** Alice's clip: grey, then two shots of her not among her photos, then grey again. */
export const ALICE_CLIP = {
  key: 'photos/videos/alice clip.mp4',
  shots: ['Hugo_Chavez/10.jpg', 'Hugo_Chavez/11.jpg'],
  fromSeconds: 2,
  seconds: 4,
  durationSeconds: 8,
};

export async function localAlbum(): Promise<AlbumUnderTest> {
  const { openLocalAlbum } = await import('../../src/local/local-runtime');
  const { findFfmpeg } = await import('../../src/local/video/ffmpeg-binary');
  const { makeClip } = await import('../support/make-clip');
  const work = mkdtempSync(join(tmpdir(), 'fa-contract-'));
  const photosDir = join(work, 'photos');
  for (const who of Object.keys(KEYS) as (keyof typeof KEYS)[]) {
    KEYS[who].forEach((key, i) => {
      mkdirSync(dirname(join(photosDir, key)), { recursive: true });
      copyFileSync(join(DEV, PEOPLE[who][i]!), join(photosDir, key));
    });
  }
  const ff = await findFfmpeg({});
  if (!ff.ok) throw new Error(ff.reason);
  mkdirSync(dirname(join(photosDir, ALICE_CLIP.key)), { recursive: true });
  await makeClip(
    ff.path,
    join(photosDir, ALICE_CLIP.key),
    [
      { image: null, seconds: ALICE_CLIP.fromSeconds },
      ...ALICE_CLIP.shots.map((s) => ({ image: join(DEV, s), seconds: ALICE_CLIP.seconds / 2 })),
      { image: null, seconds: ALICE_CLIP.durationSeconds - ALICE_CLIP.fromSeconds - ALICE_CLIP.seconds },
    ],
    { width: 640, height: 360, photoHeight: 340, codec: 'h264' },
  );
  const used = { alice: 0, bob: 0 };
  const logs = captureLogs();
  const album = openLocalAlbum({
    photosDir,
    dataDir: join(work, 'data'),
    workers: 1,
    env: {},
    log: logs.log,
  });
  // The same handler factories as functions/*/index.ts, given the local runtime instead of IMM's.
  const deps = { runtime: album.factory satisfies RuntimeFactory, log: logs.log };
  const fns = {
    api: createHttpHandler(deps),
    indexer: createIndexerHandler(deps),
    clusterer: createClustererHandler(deps),
  };
  return {
    backend: 'local',
    keys: KEYS,
    video: ALICE_CLIP,
    uriOf: (key) => `oss://${album.bucket}/${key}`,
    deliver: (changes) =>
      fns.indexer(ossEvent(changes.map((c) => ({ ...c, bucket: album.bucket }))), fcContext()),
    tick: () => fns.clusterer(timerEvent(), fcContext()),
    http: (method, path, body) => callApi(fns.api, method, path, body),
    upload: (path, bytes, type) => uploadTo(fns.api, path, bytes, type),
    addPhoto: async (key, people, takenAt) => {
      const rels = people.map((who) => SPARE[who][used[who]++]!);
      mkdirSync(dirname(join(photosDir, key)), { recursive: true });
      writeFileSync(join(photosDir, key), await composePhoto(rels, takenAt));
    },
    close: async () => {
      await album.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
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
    for (const key of keys)
      fake.seedFaces(uriOf(key), [goodFace(who)], { ImageWidth: 250, ImageHeight: 250 });
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
    for (const key of list)
      fake.seedFaces(uriOf(key), [goodFace(who)], { ImageWidth: 250, ImageHeight: 250 });
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
    close: async () => {
      await album.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

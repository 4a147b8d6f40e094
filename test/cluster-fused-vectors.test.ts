/**
 * Second vectors (DetectedFace.second) through the real stores, `reanalyse` and the real clusterer: the
 * column round-trips for photo and video faces, reanalyse fills it without moving anyone, and an album
 * clusters on fused vectors exactly while every face it clusters has one.
 *
 * The album is built so the two kinds disagree: two identities whose face-api embeddings all lie ~0.3
 * apart (one person on face-api vectors) and whose second vectors point opposite ways (two people once
 * fused: across the pair a fused distance is ~0.75, within one ~0.25).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterThread } from '../src/local/cluster/cluster-thread';
import { clusteringSession } from '../src/local/cluster/clustering-session';
import { FUSED_DIM, FUSION, faceresBasis, fuse, fusedVectors } from '../src/local/cluster/fused-vectors';
import { projectOnBasis } from '../src/local/cluster/second-basis';
import type { AnalyzedPhoto, FaceEngine } from '../src/local/engine/face-engine';
import { PhotoFolder } from '../src/local/folder/photo-folder';
import { reanalyse } from '../src/local/indexing/reanalysis';
import type { FaceClusterer } from '../src/local/local-backend';
import { FaceThumbnails } from '../src/local/media/face-thumbnails';
import { findFfmpeg } from '../src/local/video/ffmpeg-binary';
import { VideoAnalyzer } from '../src/local/video/video-analyzer';
import { collapseVideoFaces, DEFAULT_COLLAPSE } from '../src/local/video/video-faces';
import { captureLogs } from './support/log-capture';
import { makeClip } from './support/make-clip';
import { recordStatements } from './support/record-statements';
import { SyntheticAlbum, syntheticBox } from './support/synthetic-album';
import { Gaussian, mulberry32, syntheticFace } from './support/synthetic-faces';

const gauss = new Gaussian(mulberry32(17));
const randomVector = (dim: number, sd: number) => Float32Array.from({ length: dim }, () => gauss.next() * sd);
const plus = (a: Float32Array, b: Float32Array, k = 1) => a.map((x, i) => x + k * b[i]!);
const unit = (v: Float32Array) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

/** Face-api embeddings of both identities: one centre, each face ~0.21 from it (pairs ~0.3 apart). */
const centre = randomVector(128, 0.088);
const faceApi = () => plus(centre, unit(randomVector(128, 1)), 0.21);
/**
 * Second vectors: identity A at the album's faceres mean + 0.8 × its first principal component, B at the
 * mean − 0.8 × it (unit length, as faceres gives them): far apart in the projection the clusterer sees.
 */
const basis = faceresBasis();
const e = basis.components.slice(0, basis.dim);
const second = (sign: 1 | -1) =>
  unit(plus(plus(basis.mean, e, 0.8 * sign), unit(randomVector(1024, 1)), 0.15));

const PHOTOS = 3;
/** Identity A's and B's photos: `a0.jpg`… and `b0.jpg`…, one face each. */
const photosOf = () =>
  (['a', 'b'] as const).flatMap((who) =>
    Array.from({ length: PHOTOS }, (_, i) => ({
      file: `${who}${i}.jpg`,
      hash: `h-${who}${i}`,
      face: { embedding: faceApi(), second: second(who === 'a' ? 1 : -1) },
    })),
  );
/** One set of vectors for the whole file: every test sees the same geometry. */
const PHOTO_SET = photosOf();

const logs = captureLogs();
let albums: SyntheticAlbum[] = [];
let threads: ClusterThread[] = [];
afterEach(async () => {
  for (const t of threads) await t.close();
  for (const a of albums) a.close();
  albums = [];
  threads = [];
  logs.clear();
});

/** Clustering options left at the project's defaults (face-api's or FUSED_CLUSTER_OPTIONS). */
function album(clusterer?: (dbFile: string) => FaceClusterer): SyntheticAlbum {
  const a = new SyntheticAlbum({}, clusterer);
  albums.push(a);
  return a;
}

/** Adds the photos; `withoutSecond`: the files whose face is stored as analysed before second vectors. */
function fill(a: SyntheticAlbum, withoutSecond: string[] = []): void {
  for (const p of PHOTO_SET)
    a.addPhoto(p.file, p.hash, [withoutSecond.includes(p.file) ? p.face.embedding : p.face]);
}

async function cluster(a: SyntheticAlbum, full = false): Promise<void> {
  const run = await a.backend.runClustering({ deadline: Date.now() + 60_000, log: logs.log, full });
  if (run.outcome === 'failed') throw new Error(`clustering failed: ${run.reason}`);
}

/** The people of the album's faces, as sets of files. */
function people(a: SyntheticAlbum): string[][] {
  const rows = a.db
    .prepare(
      'SELECT f.person_id, p.path FROM faces f JOIN photos p ON p.id = f.photo_id WHERE f.person_id IS NOT NULL',
    )
    .all() as { person_id: string; path: string }[];
  const by = new Map<string, string[]>();
  for (const r of rows) by.set(r.person_id, [...(by.get(r.person_id) ?? []), r.path]);
  return [...by.values()].map((files) => files.sort()).sort();
}
const ONE_PERSON = [PHOTO_SET.map((p) => p.file).sort()];
const TWO_PEOPLE = [
  ['a0.jpg', 'a1.jpg', 'a2.jpg'],
  ['b0.jpg', 'b1.jpg', 'b2.jpg'],
];
const vectorsLogged = () => logs.events('clustering.vectors').map(({ vectors, dim }) => ({ vectors, dim }));

describe('the second vector column', () => {
  it('round-trips for photo faces, and is NULL for a face the engine gave none', () => {
    const a = album();
    const [withSecond, without] = [PHOTO_SET[0]!.face, PHOTO_SET[1]!.face.embedding];
    const [id1, id2] = a.addPhoto('two.jpg', 'h-two', [withSecond, without]);
    const pairs = a.photos.vectorPairsOf([id1!, id2!]);
    expect([...pairs.keys()]).toEqual([id1]);
    expect(pairs.get(id1!)!.second).toEqual(withSecond.second);
    expect(pairs.get(id1!)!.embedding).toEqual(withSecond.embedding);
    expect(a.photos.everyFaceHasSecond()).toBe(false);
  });

  it('round-trips for video faces: a track keeps the second vector of the frame face it keeps', () => {
    const a = album();
    const frames = [0, 1, 2].map((t) => ({
      ...syntheticFace(PHOTO_SET[t]!.face.embedding, {
        box: syntheticBox(0),
        second: PHOTO_SET[t]!.face.second,
      }),
      timeSeconds: t,
    }));
    const kept = collapseVideoFaces(frames, { ...DEFAULT_COLLAPSE, interval: 1 });
    expect(kept.length).toBeGreaterThan(0);
    a.photos.saveVideoAnalysis('h-video', {
      width: 640,
      height: 360,
      takenAt: null,
      durationSeconds: 3,
      faces: kept,
      frames: 3,
      interval: 1,
    });
    a.photos.upsertPhoto('clip.mp4', 'h-video', { size: 1, mtimeMs: 1 }, () => true);
    const ids = a.faceIdsOf('clip.mp4');
    const pairs = a.photos.vectorPairsOf(ids);
    expect(pairs.size).toBe(kept.length);
    ids.forEach((id, i) => {
      expect(pairs.get(id)!.second).toEqual(kept[i]!.second);
      expect(pairs.get(id)!.embedding).toEqual(kept[i]!.embedding);
    });
    expect(a.photos.everyFaceHasSecond()).toBe(true);
  });

  it('asking whether any face lacks one walks the faces without one, never every face', () => {
    const a = album();
    fill(a, ['a0.jpg']);
    const statements = recordStatements(a.db);
    a.photos.everyFaceHasSecond();
    statements.stop();
    expect(statements).toHaveLength(1);
    const plan = (a.db.prepare(`EXPLAIN QUERY PLAN ${statements[0]!.sql}`).all() as { detail: string }[]).map(
      (r) => r.detail,
    );
    expect(plan[0]).toBe('SCAN a USING INDEX analysis_faces_without_second');
    expect(plan.slice(1).every((d) => d.startsWith('SEARCH'))).toBe(true);
  });

  it('a face marked "not a face" does not keep an album off fused vectors', () => {
    const a = album();
    fill(a, ['a0.jpg']);
    expect(a.photos.everyFaceHasSecond()).toBe(false);
    a.db.prepare('UPDATE faces SET not_a_face = 1 WHERE id = ?').run(a.faceIdsOf('a0.jpg')[0]);
    expect(a.photos.everyFaceHasSecond()).toBe(true);
  });
});

describe('clustering on fused vectors', () => {
  it('an album whose every face has a second vector clusters on fused ones', async () => {
    const a = album();
    fill(a);
    await cluster(a);
    expect(people(a)).toEqual(TWO_PEOPLE);
    expect(vectorsLogged()).toEqual([{ vectors: 'fused', dim: FUSED_DIM }]);
    expect(a.people.clusteredVectors()).toBe('fused');
  });

  it('a fused distance blends the two: w·d_a² + (1−w)·s²·d_b², d_b between the projections of faceres', () => {
    const [x, y] = [PHOTO_SET[0]!.face, PHOTO_SET[3]!.face];
    const d2 = (p: Float32Array, q: Float32Array) => p.reduce((sum, v, i) => sum + (v - q[i]!) ** 2, 0);
    const fused = fusedVectors(
      new Map([
        [1, x],
        [2, y],
      ]),
    );
    const [fx, fy] = [fused.get(1)!, fused.get(2)!];
    expect(fx).toHaveLength(FUSED_DIM);
    const [px, py] = [projectOnBasis(basis, x.second), projectOnBasis(basis, y.second)];
    expect(px).toHaveLength(FUSED_DIM - 128);
    expect(fx).toEqual(fuse(x.embedding, px));
    expect(d2(fx, fy)).toBeCloseTo(
      FUSION.w * d2(x.embedding, y.embedding) + (1 - FUSION.w) * FUSION.s ** 2 * d2(px, py),
      5,
    );
  });

  it('one face without a second vector keeps the album on face-api vectors', async () => {
    const a = album();
    fill(a, ['b2.jpg']);
    await cluster(a);
    expect(people(a)).toEqual(ONE_PERSON);
    expect(vectorsLogged()).toEqual([{ vectors: 'face-api', dim: 128 }]);
  });

  /**
   * A fused album, then a face without a second vector: the album is re-clustered on face-api vectors.
   * Its clusterer runs incremental passes only (as in an album of more than FULL_PASS_BELOW_FACES faces):
   * the switch itself must bring the full pass.
   */
  async function arrivalSwitchesBack(a: SyntheticAlbum): Promise<void> {
    fill(a);
    await cluster(a);
    expect(people(a)).toEqual(TWO_PEOPLE);
    a.addPhoto('b3.jpg', 'h-b3', [faceApi()]);
    await cluster(a);
    expect(people(a)).toEqual([[...ONE_PERSON[0]!, 'b3.jpg'].sort()]);
  }

  it('a face without a second vector arriving in a fused album re-clusters it on face-api vectors', async () => {
    await arrivalSwitchesBack(album(() => clusteringSession({}, { fullBelowFaces: 0 })));
    expect(vectorsLogged()).toEqual([
      { vectors: 'fused', dim: FUSED_DIM },
      { vectors: 'face-api', dim: 128 },
    ]);
  });

  it('in the clustering thread too', async () => {
    const thread = new ClusterThread(logs.log);
    threads.push(thread);
    await arrivalSwitchesBack(
      album((dbFile) => thread.clusterer('album', dbFile, { session: { fullBelowFaces: 0 } })),
    );
    expect(vectorsLogged().map((v) => v.vectors)).toEqual(['fused', 'face-api']);
  }, 60_000);
});

describe('face-album reanalyse', () => {
  /** Real files for the photos, and an engine that finds each photo's face again with both vectors. */
  function reanalysable(a: SyntheticAlbum) {
    const root = join(a.dir, 'photos');
    for (const p of PHOTO_SET) {
      mkdirSync(dirname(join(root, p.file)), { recursive: true });
      writeFileSync(join(root, p.file), p.hash);
    }
    let runs = 0;
    const engine: FaceEngine = {
      concurrency: 1,
      close: async () => {},
      analyze: async (input): Promise<AnalyzedPhoto> => {
        runs++;
        const file = 'path' in input ? input.path : '';
        const p = PHOTO_SET.find((x) => file.endsWith(x.file))!;
        // The re-run's box differs a little, as a re-analysis may; its embedding is not used.
        const box = { ...syntheticBox(0), left: syntheticBox(0).left + 3 };
        return {
          width: 600,
          height: 400,
          takenAt: null,
          faces: [
            syntheticFace(faceApi(), {
              box,
              second: p.face.second,
              attributes: { emotion: { value: 'happy', confidence: 0.9 } },
            }),
          ],
        };
      },
    };
    return {
      run: () =>
        reanalyse({
          photos: a.photos,
          folder: new PhotoFolder(root),
          engine: async () => engine,
          log: logs.log,
        }),
      runs: () => runs,
    };
  }

  it('fills the second vectors an old album lacks, moves no one, and the next pass clusters it fused', async () => {
    // An album analysed before second vectors, clustered on face-api vectors.
    const a = album(() => clusteringSession({}, { fullBelowFaces: 0 }));
    fill(
      a,
      PHOTO_SET.map((p) => p.file),
    );
    await cluster(a);
    expect(people(a)).toEqual(ONE_PERSON);
    const before = a.db.prepare('SELECT id, person_id FROM faces ORDER BY id').all();
    const embeddings = a.db
      .prepare('SELECT hash, idx, box_left, embedding FROM analysis_faces ORDER BY hash')
      .all();
    const generation = a.photos.generation();

    const re = reanalysable(a);
    const result = await re.run();
    expect(result).toMatchObject({
      analyses: 6,
      faces: 6,
      unmatched: 0,
      seconds: 6,
      skipped: 0,
      fused: true,
    });
    for (const p of PHOTO_SET) {
      const id = a.faceIdsOf(p.file)[0]!;
      expect(a.photos.vectorPairsOf([id]).get(id)!.second).toEqual(p.face.second);
    }
    // Boxes, embeddings and people as they were; attributes the synthetic faces had ({}) kept.
    expect(a.db.prepare('SELECT id, person_id FROM faces ORDER BY id').all()).toEqual(before);
    expect(
      a.db.prepare('SELECT hash, idx, box_left, embedding FROM analysis_faces ORDER BY hash').all(),
    ).toEqual(embeddings);
    expect(a.photos.generation()).toBeGreaterThan(generation);
    // Idempotent: nothing is left to do.
    expect(await re.run()).toMatchObject({ analyses: 0, seconds: 0, fused: true });
    expect(re.runs()).toBe(6);

    // The next pass — in a new process, where no session remembers how the people were made — is a
    // full one on fused vectors.
    a.restart();
    await cluster(a);
    expect(people(a)).toEqual(TWO_PEOPLE);
    expect(vectorsLogged()).toEqual([
      { vectors: 'face-api', dim: 128 },
      { vectors: 'fused', dim: FUSED_DIM },
    ]);
  });

  it('fills attributes still missing without touching those a face has', async () => {
    const a = album();
    fill(a, ['a0.jpg']);
    a.db.prepare(`UPDATE analysis_faces SET attributes = NULL WHERE hash = 'h-a1'`).run();
    const result = await reanalysable(a).run();
    expect(result).toMatchObject({ analyses: 2, seconds: 1, fused: true });
    const attributes = (hash: string) =>
      JSON.parse(
        (
          a.db.prepare('SELECT attributes FROM analysis_faces WHERE hash = ?').get(hash) as {
            attributes: string;
          }
        ).attributes,
      );
    expect(attributes('h-a1')).toEqual({ emotion: { value: 'happy', confidence: 0.9 } });
    expect(attributes('h-a0')).toEqual({});
  });

  it("fills a video's faces too, each from the re-run's face of the same frame", async () => {
    const ff = await findFfmpeg({});
    if (!ff.ok) throw new Error(ff.reason);
    const a = album();
    const root = join(a.dir, 'photos');
    mkdirSync(root, { recursive: true });
    await makeClip(ff.path, join(root, 'clip.mp4'), [{ image: null, seconds: 4 }], {
      width: 320,
      height: 240,
      codec: 'h264',
    });
    // An engine that sees one face in every frame, with or without a second vector.
    const { embedding, second: vector } = PHOTO_SET[0]!.face;
    const frameEngine = (withSecond: boolean): FaceEngine => ({
      concurrency: 1,
      close: async () => {},
      analyze: async () => ({
        width: 320,
        height: 240,
        takenAt: null,
        faces: [
          syntheticFace(embedding, {
            box: { left: 100, top: 60, width: 80, height: 90 },
            ...(withSecond ? { second: vector } : {}),
          }),
        ],
      }),
    });
    const videoOf = (withSecond: boolean) =>
      new VideoAnalyzer({
        engine: async () => frameEngine(withSecond),
        stills: new FaceThumbnails(join(a.dir, 'thumbnails')),
      });
    const old = await videoOf(false).analyze(join(root, 'clip.mp4'), 'h-clip', logs.log);
    expect(old.faces.length).toBeGreaterThan(1);
    a.photos.saveVideoAnalysis('h-clip', old);
    a.photos.upsertPhoto('clip.mp4', 'h-clip', { size: 1, mtimeMs: 1 }, () => true);
    const ids = a.faceIdsOf('clip.mp4');
    expect(a.photos.vectorPairsOf(ids).size).toBe(0);

    const deps = {
      photos: a.photos,
      folder: new PhotoFolder(root),
      engine: async () => frameEngine(true),
      log: logs.log,
    };
    // An album that does not analyse videos leaves them as they are.
    expect(await reanalyse(deps)).toMatchObject({ analyses: 0, fused: false });
    expect(await reanalyse({ ...deps, video: videoOf(true) })).toMatchObject({
      analyses: 1,
      faces: ids.length,
      unmatched: 0,
      seconds: ids.length,
      fused: true,
    });
    const pairs = a.photos.vectorPairsOf(ids);
    expect(ids.map((id) => pairs.get(id)?.second)).toEqual(ids.map(() => vector));
  }, 60_000);
});

import { boxIou } from '../../album/box-overlap';
import type { Logger } from '../../log/logger';
import type { DetectedFace, FaceEngine } from '../engine/face-engine';
import type { PhotoFolder } from '../folder/photo-folder';
import type { PhotoStore, ReanalysedFace } from '../store/photo-store';
import type { VideoAnalyzer } from '../video/video-analyzer';

/** Analyses read per batch. */
const BATCH = 50;
/** A re-run face stands for a stored one when their boxes overlap this much (intersection over union). */
const SAME_FACE_IOU = 0.5;

export interface ReanalysisResult {
  analyses: number;
  faces: number;
  /** Stored faces the re-run did not find again (they stay `attributes: {}`, and without a second vector). */
  unmatched: number;
  /** Faces given a second vector. */
  seconds: number;
  /** Photos that could not be read (gone, unreadable): left for a later run. */
  skipped: number;
  /** Every face clustering compares now has a second vector: the next pass clusters on fused vectors. */
  fused: boolean;
}

/**
 * `face-album reanalyse`: gives analyses made before the engine read face attributes or computed the
 * second identity vector what they lack. Each photo runs through the engine again, but only attributes and
 * second vectors are kept, and only where missing: boxes, embeddings and people stay as they are (faces are
 * matched to the stored ones by box). Idempotent; an interrupted run resumes.
 *
 * A video runs through the video analyzer again (when the album analyses videos): its kept faces are frame
 * faces, each stored with its own vectors, so a stored face takes the second vector of the re-run's face
 * seen at the same time in the same place.
 *
 * Second vectors change what clustering may compare (cluster/fused-vectors.ts): when the run gave any, the
 * album's generation moves so the next clustering pass runs; once no face lacks one, that pass re-clusters
 * the album on fused vectors (clustering-session.ts sees the album's vectors differ from its people's).
 */
export async function reanalyse(deps: {
  photos: PhotoStore;
  folder: PhotoFolder;
  engine: () => Promise<FaceEngine>;
  /** Absent: the album does not analyse videos, and their faces are left as they are. */
  video?: Pick<VideoAnalyzer, 'analyze'>;
  log: Logger;
}): Promise<ReanalysisResult> {
  const result: ReanalysisResult = {
    analyses: 0,
    faces: 0,
    unmatched: 0,
    seconds: 0,
    skipped: 0,
    fused: false,
  };
  let after = '';
  for (;;) {
    const batch = deps.photos.analysesToReanalyse(after, BATCH, deps.video !== undefined);
    if (!batch.length) break;
    const engine = await deps.engine();
    for (const { hash, path, mediaType } of batch) {
      after = hash;
      const file = await deps.folder.resolveFile(path);
      if (!file.ok) {
        result.skipped++;
        deps.log.warn('reanalyse.skipped', { path, reason: file.reason });
        continue;
      }
      let found: (DetectedFace & { timeSeconds?: number })[];
      try {
        found =
          mediaType === 'video' && deps.video
            ? (await deps.video.analyze(file.path, hash, deps.log.child({ key: path }))).faces
            : (await engine.analyze({ path: file.path })).faces;
      } catch (err) {
        result.skipped++;
        deps.log.warn('reanalyse.skipped', { path, error: err instanceof Error ? err.message : String(err) });
        continue;
      }
      const byIdx = new Map<number, ReanalysedFace>();
      for (const stored of deps.photos.analysisBoxes(hash)) {
        const best = found
          // A video face is one frame's: only a face of that same frame may stand for it.
          .filter((f) => stored.timeSeconds === null || f.timeSeconds === stored.timeSeconds)
          .map((f) => ({ f, overlap: boxIou(f.box, stored.box) }))
          .sort((a, b) => b.overlap - a.overlap)[0];
        if (best && best.overlap >= SAME_FACE_IOU)
          byIdx.set(stored.idx, {
            attributes: best.f.attributes,
            ...(best.f.second ? { second: best.f.second } : {}),
          });
        else result.unmatched++;
        result.faces++;
      }
      result.seconds += deps.photos.fillReanalysis(hash, byIdx);
      result.analyses++;
    }
    deps.log.info('reanalyse.progress', { ...result });
  }
  if (result.seconds > 0) deps.photos.bumpGeneration();
  result.fused = deps.photos.everyFaceHasSecond();
  deps.log.info('reanalyse.done', { ...result });
  return result;
}

import { boxIou } from '../../album/box-overlap';
import type { FaceAttributes } from '../../album/face-attributes';
import type { Box } from '../../album/types';
import type { Logger } from '../../log/logger';
import type { FaceEngine } from '../engine/face-engine';
import type { PhotoFolder } from '../folder/photo-folder';
import type { PhotoStore } from '../store/photo-store';

/** Analyses read per batch. */
const BATCH = 50;
/** A re-run face stands for a stored one when their boxes overlap this much (intersection over union). */
const SAME_FACE_IOU = 0.5;

export interface AttributeBackfillResult {
  analyses: number;
  faces: number;
  /** Stored faces the re-run did not find again (they stay `attributes: {}`). */
  unmatched: number;
  /** Photos that could not be read (gone, unreadable): left for a later run. */
  skipped: number;
}

/**
 * `face-album reanalyse`: gives analyses made before the engine read face attributes their attributes. Each
 * photo runs through the engine again, but only the attributes are kept: boxes, embeddings and people stay
 * as they are (faces are matched to the stored ones by box). Idempotent; an interrupted run resumes.
 */
export async function backfillAttributes(deps: {
  photos: PhotoStore;
  folder: PhotoFolder;
  engine: () => Promise<FaceEngine>;
  log: Logger;
}): Promise<AttributeBackfillResult> {
  const result: AttributeBackfillResult = { analyses: 0, faces: 0, unmatched: 0, skipped: 0 };
  let after = '';
  for (;;) {
    const batch = deps.photos.analysesWithoutAttributes(after, BATCH);
    if (!batch.length) return result;
    const engine = await deps.engine();
    for (const { hash, path } of batch) {
      after = hash;
      const file = await deps.folder.resolveFile(path);
      if (!file.ok) {
        result.skipped++;
        deps.log.warn('reanalyse.skipped', { path, reason: file.reason });
        continue;
      }
      let found: { box: Box; attributes: FaceAttributes }[];
      try {
        found = (await engine.analyze({ path: file.path })).faces;
      } catch (err) {
        result.skipped++;
        deps.log.warn('reanalyse.skipped', { path, error: err instanceof Error ? err.message : String(err) });
        continue;
      }
      const byIdx = new Map<number, FaceAttributes>();
      for (const stored of deps.photos.analysisBoxes(hash)) {
        const best = found
          .map((f) => ({ f, overlap: boxIou(f.box, stored.box) }))
          .sort((a, b) => b.overlap - a.overlap)[0];
        if (best && best.overlap >= SAME_FACE_IOU) byIdx.set(stored.idx, best.f.attributes);
        else result.unmatched++;
        result.faces++;
      }
      deps.photos.setAttributes(hash, byIdx);
      result.analyses++;
    }
    deps.log.info('reanalyse.progress', { ...result });
  }
}

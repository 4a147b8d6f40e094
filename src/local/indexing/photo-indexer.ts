import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { mediaTypeOfKey } from '../../album/photo-filter';
import type { PhotoOutcome } from '../../album/types';
import type { Logger } from '../../log/logger';
import { type AnalyzedPhoto, type FaceEngine, ImageRejectedError } from '../engine/face-engine';
import { fileStamp, type PhotoFolder, UNREADABLE } from '../folder/photo-folder';
import type { PhotoStore, StoredFace } from '../store/photo-store';
import type { FfmpegBinary } from '../video/ffmpeg-binary';
import { type AnalyzedVideo, type VideoAnalyzer, VideoUnavailableError } from '../video/video-analyzer';

export interface PhotoIndexerDeps {
  folder: PhotoFolder;
  store: PhotoStore;
  engine: () => Promise<FaceEngine>;
  isClusterable: (face: StoredFace) => boolean;
  uriOf: (key: string) => string;
  /** Files bigger than this are refused before reading (a photo this size is surely not one). */
  maxFileBytes?: number;
  /** Videos: analysed through ffmpeg (absent: videos are refused, as with no ffmpeg). */
  video?: VideoAnalyzer;
  /** Videos bigger than this are refused before reading. */
  maxVideoBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;
/** A phone's 10-minute 4K clip is ~4 GB: beyond that hashing alone would hold the indexer for long. */
const DEFAULT_MAX_VIDEO_BYTES = 4 * 1024 * 1024 * 1024;
/** The refusal reason of a video met while this machine has no ffmpeg: retried once one is found. */
export const NO_FFMPEG = 'no_ffmpeg';

type Analysis = AnalyzedPhoto | AnalyzedVideo;

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Indexes one file of the photos folder: a content hash decides whether the engine runs at all
 * (same bytes under another name reuse the analysis), the file stamp is checked again after
 * reading so a file still being written is never stored half-way, and refusals are remembered.
 */
export class PhotoIndexer {
  private readonly inflight = new Map<
    string,
    Promise<Analysis | ImageRejectedError | VideoUnavailableError>
  >();

  constructor(private readonly deps: PhotoIndexerDeps) {}

  /**
   * Indexes `key`, and when its content changed, the other paths that held its old content and whose
   * stamp changed too: symlinks to it (their stamp is the target's), which no watcher event names.
   */
  async index(key: string, log: Logger): Promise<PhotoOutcome[]> {
    const changed: { from?: string } = {};
    const outcomes = [await this.indexOne(key, log, changed)];
    if (changed.from)
      for (const link of await this.stampChangedWith(changed.from, key))
        outcomes.push(await this.indexOne(link, log, {}));
    return outcomes;
  }

  /** Paths (other than `key`) indexed with `hash` whose file stamp is no longer the one indexed. */
  private async stampChangedWith(hash: string, key: string): Promise<string[]> {
    const others = this.deps.store.pathsWithHash(hash).filter((p) => p.path !== key);
    const now = await Promise.all(others.map((p) => fileStamp(this.deps.folder.pathOf(p.path))));
    return others
      .filter((p, i) => !now[i] || now[i]!.size !== p.size || now[i]!.mtimeMs !== p.mtimeMs)
      .map((p) => p.path);
  }

  /** `changed.from`: set to the old content hash when the file's content changed. */
  private async indexOne(key: string, log: Logger, changed: { from?: string }): Promise<PhotoOutcome> {
    const { folder, store } = this.deps;
    const uri = this.deps.uriOf(key);
    const out = (outcome: PhotoOutcome['outcome'], extra: Partial<PhotoOutcome> = {}): PhotoOutcome => ({
      uri,
      action: 'index',
      outcome,
      ...extra,
    });

    // Quiet: a refusal is logged once by the caller, with the outcome.
    const file = await folder.resolveFile(key, { quiet: true });
    const known = store.knownFile(key);
    const video = mediaTypeOfKey(key) === 'video';
    const ffmpeg = video ? await this.ffmpeg() : null;
    // A video refused for want of ffmpeg is looked at again once there is one.
    const retry = known?.reason === NO_FFMPEG && ffmpeg?.ok === true;
    const sameAsKnown = (stamp?: { size: number; mtimeMs: number }) =>
      !retry && !!known && !!stamp && known.size === stamp.size && known.mtimeMs === stamp.mtimeMs;
    if (!file.ok) {
      // Already refused for this very file: not logged as a new refusal.
      if (known?.state === 'rejected' && sameAsKnown(file.stamp)) return out('unchanged');
      // A missing file is not remembered: it may be recreated, and its removal event follows anyway.
      if (file.reason !== 'missing' && file.stamp)
        store.recordRejection(key, file.stamp, file.reason, file.message);
      return out('rejected', { reason: `${file.reason}: ${file.message}` });
    }
    const stamp = { size: file.size, mtimeMs: file.mtimeMs };
    if (sameAsKnown(stamp)) return out('unchanged');
    const maxBytes = video
      ? (this.deps.maxVideoBytes ?? DEFAULT_MAX_VIDEO_BYTES)
      : (this.deps.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
    if (stamp.size > maxBytes) {
      store.recordRejection(key, stamp, 'too_large', `file is ${stamp.size} bytes (at most ${maxBytes})`);
      return out('rejected', { reason: `too_large: file is ${stamp.size} bytes (at most ${maxBytes})` });
    }
    if (ffmpeg && !ffmpeg.ok) {
      store.recordRejection(key, stamp, NO_FFMPEG, ffmpeg.reason);
      return out('rejected', { reason: `${NO_FFMPEG}: ${ffmpeg.reason}` });
    }

    let hash: string;
    try {
      hash = await hashFile(file.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return out('rejected', { reason: 'missing: deleted while reading' });
      // Its mode changed since it was resolved: refused like any unreadable file, until it changes.
      if (code === 'EACCES' || code === 'EPERM') {
        store.recordRejection(key, stamp, 'unreadable', UNREADABLE);
        return out('rejected', { reason: `unreadable: ${UNREADABLE}` });
      }
      throw err;
    }
    if (known?.hash && known.hash !== hash) changed.from = known.hash;
    if (known?.hash === hash) {
      store.upsertPhoto(key, hash, stamp, this.deps.isClusterable);
      return out('unchanged');
    }

    let analysis = store.findAnalysis(hash);
    let reused = analysis !== null;
    if (!analysis) {
      const started = Date.now();
      const result = await this.analyze(hash, file.path, video, key, log);
      if (!(await this.sameStamp(file.path, stamp)))
        return out('rejected', {
          reason: 'changing: file changed while it was read; will retry on its next change',
        });
      if (result instanceof VideoUnavailableError) {
        store.recordRejection(key, stamp, NO_FFMPEG, result.message);
        return out('rejected', { reason: `${NO_FFMPEG}: ${result.message}` });
      }
      if (result instanceof ImageRejectedError) {
        if (result.reason === 'missing') return out('rejected', { reason: 'missing: deleted while reading' });
        store.saveRejectedAnalysis(hash, result.reason, result.message);
      } else if ('durationSeconds' in result) {
        store.saveVideoAnalysis(hash, result);
        log.info('video.analysed', {
          key,
          durationSeconds: result.durationSeconds,
          frames: result.frames,
          intervalSeconds: result.interval,
          faces: result.faces.length,
          persons: new Set(result.faces.map((f) => f.track)).size,
          ms: Date.now() - started,
        });
      } else {
        store.saveAnalysis(hash, result);
      }
      analysis = store.findAnalysis(hash)!;
      reused = false;
    }
    if (analysis.rejected) {
      store.recordRejection(key, stamp, analysis.rejected.reason, analysis.rejected.message);
      return out('rejected', { reason: `${analysis.rejected.reason}: ${analysis.rejected.message}` });
    }
    const { faces } = store.upsertPhoto(key, hash, stamp, this.deps.isClusterable);
    if (reused) log.debug('photo.analysis_reused', { key, hash });
    return out('done', { faces });
  }

  private async ffmpeg(): Promise<FfmpegBinary> {
    return this.deps.video
      ? this.deps.video.ffmpeg()
      : { ok: false, reason: 'this album does not analyse videos' };
  }

  /** One engine call per content hash at a time: two copies in one batch share the analysis. */
  private analyze(
    hash: string,
    path: string,
    video: boolean,
    key: string,
    log: Logger,
  ): Promise<Analysis | ImageRejectedError | VideoUnavailableError> {
    let pending = this.inflight.get(hash);
    if (!pending) {
      pending = (async () => {
        try {
          if (video) {
            if (!this.deps.video) throw new VideoUnavailableError('this album does not analyse videos');
            return await this.deps.video.analyze(path, hash, log.child({ key }));
          }
          const engine = await this.deps.engine();
          return await engine.analyze({ path });
        } catch (err) {
          if (err instanceof ImageRejectedError || err instanceof VideoUnavailableError) return err;
          throw err;
        }
      })().finally(() => this.inflight.delete(hash));
      this.inflight.set(hash, pending);
    }
    return pending;
  }

  private async sameStamp(path: string, stamp: { size: number; mtimeMs: number }): Promise<boolean> {
    try {
      const now = await stat(path);
      return now.size === stamp.size && now.mtimeMs === stamp.mtimeMs;
    } catch {
      return false;
    }
  }
}

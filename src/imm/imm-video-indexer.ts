import { createHash } from 'node:crypto';
import { AlbumError } from '../album/errors';
import { ossUri, parseOssUri } from '../album/photo-filter';
import type { PhotoOutcome } from '../album/types';
import type { ImmConfig } from '../config/imm-config';
import type { Logger } from '../log/logger';
import type { ImmClient } from './imm-client';
import type { PollInterval } from './imm-clustering';
import { ImmError } from './imm-error';
import { isNotFound, mapped, toAlbumError } from './imm-errors-map';
import { DATASET_TAG } from './imm-tasks';
import { type ImmFile, type ImmResponse, TASK_TYPE_MEDIA_CONVERT, type TaskInfo } from './imm-wire';
import type { FrameObjects } from './oss-frame-objects';
import {
  DEFAULT_SAMPLING,
  type FramePlan,
  type FrameSampling,
  frameDir,
  frameKey,
  LABEL,
  planFrames,
} from './video-frames';

/** Tag of a frame-capture task: a hash of the video URI, so a retried event finds the task it started. */
export const VIDEO_TAG = 'album_video';
/** Time kept after polling to index the frames and return before FC's timeout. */
const AFTER_POLL_MS = 10_000;
/** A succeeded capture task of the same file this recent is an earlier attempt of the same event. */
const REUSE_SUCCEEDED_MS = 3_600_000;
/** IMM's BatchIndexFileMeta / BatchDeleteFileMeta take at most 100 files. */
const BATCH = 100;

export interface VideoIndexerDeps {
  client: ImmClient;
  /** project and dataset of the album the frames go into. */
  config: ImmConfig;
  /** The bucket side: which frames IMM wrote, and removing them. */
  frames: FrameObjects;
  poll: PollInterval;
  /** Epoch ms by which the caller must have its answer (the invocation's deadline), asked per video. */
  deadline: () => number;
  sampling?: FrameSampling;
  /** Backfill: a video whose frames are in the dataset already is left as it is (a new task costs money). */
  skipAnalysed?: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const rejected = (uri: string, reason: string): PhotoOutcome => ({
  uri,
  action: 'index',
  outcome: 'rejected',
  reason,
});

/**
 * Videos on IMM, in the indexer: DetectMediaMeta (duration, streams) → CreateMediaConvertTask capturing one
 * frame in the middle of each slice of the video into FRAME_PREFIX → GetTask polled within the invocation →
 * the frames written are indexed into the album's dataset with the video and time in CustomLabels, so IMM's
 * clustering puts them with the photos. A task still running at the deadline makes the invocation fail
 * (FC retries the event; the retry finds the task by its tag and waits for it); a file IMM cannot read or a
 * failed task is a refusal with IMM's reason. Nothing is reported done before its frames are submitted.
 */
export class ImmVideoIndexer {
  private readonly pd: { ProjectName: string; DatasetName: string };

  constructor(private readonly deps: VideoIndexerDeps) {
    this.pd = { ProjectName: deps.config.project, DatasetName: deps.config.dataset };
  }

  /** One video at a time: each holds an IMM task and up to a few dozen frames. */
  async index(uris: string[], log: Logger): Promise<PhotoOutcome[]> {
    const outcomes: PhotoOutcome[] = [];
    for (const uri of uris) outcomes.push(await this.indexOne(uri, log));
    return outcomes;
  }

  /** Removes each video's frames: their dataset entries, then the objects. */
  async remove(uris: string[], log: Logger): Promise<PhotoOutcome[]> {
    const outcomes: PhotoOutcome[] = [];
    for (const uri of uris) {
      const at = parseOssUri(uri);
      if (!at) {
        outcomes.push({ uri, action: 'remove', outcome: 'rejected', reason: 'not an oss:// URI' });
        continue;
      }
      const indexed = (await this.indexedFrames(uri)).map((f) => f.URI);
      await this.deleteEntries(indexed, log);
      const objects = await this.deps.frames.list(at.bucket, frameDir(at.key));
      await this.deps.frames.remove(at.bucket, objects);
      log.info('video.frames_removed', { uri, entries: indexed.length, objects: objects.length });
      outcomes.push({ uri, action: 'remove', outcome: 'done' });
    }
    return outcomes;
  }

  /** The dataset entries of a video's frames (URI prefix query, as backfill's reconcile uses), time order. */
  async indexedFrames(videoUri: string, max = Number.POSITIVE_INFINITY): Promise<ImmFile[]> {
    const at = parseOssUri(videoUri);
    if (!at) return [];
    return framesUnder(this.deps.client, this.pd, ossUri(at.bucket, frameDir(at.key)), max);
  }

  private async indexOne(uri: string, log: Logger): Promise<PhotoOutcome> {
    const at = parseOssUri(uri);
    if (!at) return rejected(uri, 'not an oss:// URI');
    if (this.deps.skipAnalysed && (await this.indexedFrames(uri, 1)).length)
      return { uri, action: 'index', outcome: 'unchanged', reason: 'frames already indexed' };

    let meta: ImmResponse<'DetectMediaMeta'>;
    try {
      meta = await this.deps.client.call(
        'DetectMediaMeta',
        { ProjectName: this.deps.config.project, SourceURI: uri },
        { log },
      );
    } catch (err) {
      // A file IMM cannot parse (corrupt, truncated, empty, not media) is final; throttling/outages are retried.
      // ResourceNotFound names the project (missing: a setup error, retried and kept), not the file.
      if (
        err instanceof ImmError &&
        !err.retryable &&
        !isNotFound(err) &&
        err.status >= 400 &&
        err.status < 500 &&
        !err.throttled
      )
        return rejected(uri, `not a readable video: ${err.code}: ${err.immMessage}`);
      throw toAlbumError(err);
    }
    const stream = meta.VideoStreams?.[0];
    if (!stream)
      return rejected(uri, meta.AudioStreams?.length ? 'audio only: no video stream' : 'no video stream');
    const duration = meta.Duration ?? stream.Duration ?? Number.NaN;
    const plan = planFrames(duration, this.deps.sampling ?? DEFAULT_SAMPLING);
    if (!plan) return rejected(uri, `no usable duration (${String(meta.Duration)})`);

    const fingerprint = `${duration}|${meta.Size ?? ''}|${meta.FormatName ?? ''}`;
    const wanted = new Map(plan.times.map((t) => [frameKey(at.key, t), t] as const));
    let present: string[] = [];
    let captured: string[] = [];
    // A reused task whose frames are gone since (the video was removed and uploaded again) is redone once.
    for (let fresh = false; ; fresh = true) {
      const { taskId, reused } = await this.startOrResume(uri, at, plan, fingerprint, log, fresh);
      const task = await this.waitFor(taskId, log);
      if (task.Status === 'Failed') {
        log.warn('video.capture_failed', { uri, immTaskId: taskId, code: task.Code, message: task.Message });
        return rejected(
          uri,
          `frame capture failed: ${task.Code || 'Failed'}: ${task.Message || 'no message'}`,
        );
      }
      if (task.Status !== 'Succeeded')
        throw new AlbumError(
          'upstream_error',
          `frames of ${uri} are still being captured (IMM task ${taskId}); the retried event waits for the same task`,
          { immTaskId: taskId },
        );
      // What IMM wrote: a container that claims more than the file holds yields fewer frames than planned.
      present = await this.deps.frames.list(at.bucket, frameDir(at.key));
      captured = present.filter((k) => wanted.has(k));
      if (captured.length || !reused || fresh) break;
    }
    // Frames of an earlier version of the video (changed in place): their entries and objects go.
    const keep = new Set(captured.map((k) => ossUri(at.bucket, k)));
    const staleEntries = (await this.indexedFrames(uri)).map((f) => f.URI).filter((u) => !keep.has(u));
    await this.deleteEntries(staleEntries, log);
    const staleObjects = present.filter((k) => !wanted.has(k));
    await this.deps.frames.remove(at.bucket, staleObjects);
    if (!captured.length) return rejected(uri, 'IMM captured no frame from it');

    const labels = videoLabels(uri, meta, stream, plan, duration);
    const files = captured.map((k) => ({
      URI: ossUri(at.bucket, k),
      CustomLabels: { ...labels, [LABEL.time]: String(wanted.get(k)) },
    }));
    for (let i = 0; i < files.length; i += BATCH)
      await mapped(
        this.deps.client.call(
          'BatchIndexFileMeta',
          { ...this.pd, Files: files.slice(i, i + BATCH) },
          { log },
        ),
      );
    log.info('video.frames_indexed', {
      uri,
      planned: plan.times.length,
      captured: captured.length,
      stepSeconds: plan.step,
      durationSeconds: duration,
      staleRemoved: staleEntries.length,
    });
    return { uri, action: 'index', outcome: 'submitted' };
  }

  /**
   * The event's earlier attempt may have started a task for this very file (same URI, duration and size):
   * one still running is waited for, one that succeeded within the hour is used, so a retried event never
   * doubles the work. Anything else starts a new task.
   */
  private async startOrResume(
    uri: string,
    at: { bucket: string; key: string },
    plan: FramePlan,
    fingerprint: string,
    log: Logger,
    fresh = false,
  ): Promise<{ taskId: string; reused: boolean }> {
    const tag = createHash('sha256').update(`${uri}\n${fingerprint}`).digest('hex').slice(0, 40);
    const newest = await mapped(
      this.deps.client.call(
        'ListTasks',
        {
          ProjectName: this.deps.config.project,
          TaskTypes: [TASK_TYPE_MEDIA_CONVERT],
          TagSelector: `${VIDEO_TAG}=${tag}`,
          Sort: 'StartTime',
          Order: 'desc',
          MaxResults: 1,
        },
        { log },
      ),
    );
    const previous = newest.Tasks?.[0];
    const recent = previous && Date.now() - Date.parse(previous.StartTime ?? '') < REUSE_SUCCEEDED_MS;
    if (
      !fresh &&
      previous &&
      (previous.Status === 'Running' || (previous.Status === 'Succeeded' && recent))
    ) {
      log.info('video.capture_resumed', { uri, immTaskId: previous.TaskId, status: previous.Status });
      return { taskId: previous.TaskId, reused: true };
    }
    const res = await mapped(
      this.deps.client.call(
        'CreateMediaConvertTask',
        {
          ProjectName: this.deps.config.project,
          Sources: [{ URI: uri }],
          // One snapshot per time, each to its own object with an extension: the object names are ours
          // (IMM's numbering of multi-frame snapshots is not documented).
          Targets: [
            {
              Image: {
                Snapshots: plan.times.map((t) => ({
                  Format: 'jpg' as const,
                  URI: ossUri(at.bucket, frameKey(at.key, t)),
                  StartTime: t,
                  Number: 1,
                })),
              },
            },
          ],
          Tags: { [DATASET_TAG]: this.deps.config.dataset, [VIDEO_TAG]: tag },
          UserData: JSON.stringify({ video: uri }),
        },
        { log },
      ),
    );
    log.info('video.capture_started', { uri, immTaskId: res.TaskId, frames: plan.times.length });
    return { taskId: res.TaskId, reused: false };
  }

  /** GetTask until the task ends or the invocation's time is up (then it is returned still Running). */
  private async waitFor(taskId: string, log: Logger): Promise<TaskInfo> {
    const until = this.deps.deadline() - AFTER_POLL_MS;
    let delay = this.deps.poll.minMs;
    for (;;) {
      const info = await mapped(
        this.deps.client.call(
          'GetTask',
          { ProjectName: this.deps.config.project, TaskId: taskId, TaskType: TASK_TYPE_MEDIA_CONVERT },
          { log },
        ),
      );
      if (info.Status !== 'Running' || Date.now() + delay >= until) return info;
      await sleep(delay);
      delay = Math.min(this.deps.poll.maxMs, delay * 2);
    }
  }

  private async deleteEntries(uris: string[], log: Logger): Promise<void> {
    for (let i = 0; i < uris.length; i += BATCH)
      await mapped(
        this.deps.client.call('BatchDeleteFileMeta', { ...this.pd, URIs: uris.slice(i, i + BATCH) }, { log }),
      );
  }
}

/** The labels every frame of a video carries: what the API needs to show the video without another call. */
function videoLabels(
  uri: string,
  meta: ImmResponse<'DetectMediaMeta'>,
  stream: NonNullable<ImmResponse<'DetectMediaMeta'>['VideoStreams']>[number],
  plan: FramePlan,
  duration: number,
): Record<string, string> {
  let width = meta.VideoWidth ?? stream.Width;
  let height = meta.VideoHeight ?? stream.Height;
  // Portrait phone clips store landscape pixels and a rotation: the album shows the upright size.
  if (/^-?(90|270)$/.test(String(stream.Rotate ?? '').trim())) [width, height] = [height, width];
  return {
    [LABEL.video]: uri,
    [LABEL.step]: String(plan.step),
    [LABEL.duration]: String(Math.round(duration * 1000) / 1000),
    ...(meta.ProduceTime ? { [LABEL.takenAt]: meta.ProduceTime } : {}),
    ...(width ? { [LABEL.width]: String(width) } : {}),
    ...(height ? { [LABEL.height]: String(height) } : {}),
  };
}

const FRAME_FIELDS = ['URI', 'CustomLabels', 'Figures', 'ImageWidth', 'ImageHeight'];

/** Frame files under one URI prefix, URI (= time) order, paged through up to `max`. */
export async function framesUnder(
  client: ImmClient,
  pd: { ProjectName: string; DatasetName: string },
  uriPrefix: string,
  max = Number.POSITIVE_INFINITY,
): Promise<ImmFile[]> {
  const files: ImmFile[] = [];
  let token: string | undefined;
  do {
    const res = await mapped(
      client.call('SimpleQuery', {
        ...pd,
        Query: { Field: 'URI', Operation: 'prefix', Value: uriPrefix },
        WithFields: FRAME_FIELDS,
        MaxResults: Math.min(100, max - files.length),
        WithoutTotalHits: true,
        NextToken: token,
      }),
    );
    files.push(...(res.Files ?? []));
    token = res.NextToken || undefined;
  } while (token && files.length < max);
  return files.sort((a, b) => (a.URI < b.URI ? -1 : a.URI > b.URI ? 1 : 0));
}

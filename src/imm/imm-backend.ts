import { randomUUID } from 'node:crypto';
import type { AlbumBackend } from '../album/backend';
import { AlbumError, notFound } from '../album/errors';
import { nameContains } from '../album/name-search';
import type {
  Box,
  ChangesRecord,
  ClusteringRun,
  DetectSource,
  FaceRecord,
  FaceSearchRecord,
  Page,
  PeopleQuery,
  PeopleSort,
  PersonPatch,
  PersonPhotosQuery,
  PersonRecord,
  PhotoOutcome,
  PhotoRecord,
  PhotosWithPeopleQuery,
  StatsRecord,
  TaskRecord,
} from '../album/types';
import type { ImmConfig } from '../config/imm-config';
import type { Logger } from '../log/logger';
import type { ImmClient } from './imm-client';
import { newestClusteringTask, type PollInterval, runImmClustering } from './imm-clustering';
import { ensureProjectAndDataset } from './imm-dataset';
import { ImmError } from './imm-error';
import { isNotFound, mapped, orNull, toAlbumError } from './imm-errors-map';
import { mergeRecordFilter, withMergeRecords } from './imm-merge-records';
import { listPeopleByName } from './imm-name-order';
import { ImmPersonMedia, isFrameUri, isVideoUri } from './imm-person-media';
import {
  HIDDEN_LABEL,
  IMM_FACE_ATTRIBUTES,
  isHidden,
  toBox,
  toFace,
  toPerson,
  toPhoto,
  toTask,
} from './imm-records';
import { DATASET_TAG, decodeTaskId, encodeTaskId, MERGE_TAG } from './imm-tasks';
import { ImmVideoIndexer, type VideoIndexerDeps } from './imm-video-indexer';
import { type FigureCluster, TASK_TYPE_CLUSTERING, type TaskInfo } from './imm-wire';
import { decodeCursor, encodeCursor } from './page-cursor';

export interface ImmBackendOptions {
  client: ImmClient;
  config: ImmConfig;
  /** GetTask polling while waiting for clustering; doubles from min to max. */
  poll?: PollInterval;
  /** Whether the project and dataset were checked; shared by the backends of one warm instance. */
  ready?: { checked: boolean };
  /**
   * One library of a prefix-mode deployment (src/imm/imm-libraries.ts): its dataset is created on its first
   * photo whatever IMM_AUTO_CREATE says, clustering starts a task without waiting for it, and the calls
   * that name no dataset are held to the library: a task must carry this dataset's tag, a photo to detect
   * faces in must lie under `uriPrefix` (null: no photo is allowed).
   */
  library?: { uriPrefix: string | null };
  /**
   * The indexer's (and backfill's) video analysis: frame capture into FRAME_PREFIX and frame indexing
   * (src/imm/imm-video-indexer.ts). Without it (the API), a video to index is refused with a reason.
   */
  video?: Omit<VideoIndexerDeps, 'client' | 'config' | 'poll'>;
  /** The album's bucket (API, backfill): tells frames (under FRAME_PREFIX) from photos in lists and counts. */
  bucket?: string | null;
}

/**
 * IMM sort fields for the album's person sorts. The Chinese enum of QueryFigureClusters names the
 * group-name key `Name` (分组名称); the English text's "GroupName" translates the title (imm-facts §3).
 */
const SORT_FIELD: Record<PeopleSort, string> = {
  imageCount: 'ImageCount',
  updatedAt: 'UpdateTime',
  name: 'Name',
};
/** Pages fetched per listPeople call when hidden people are filtered out client-side. */
const MAX_PAGES_PER_LIST = 10;
const PHOTO_FIELDS = ['URI', 'ImageWidth', 'ImageHeight', 'ProduceTime', 'Figures'];
/** QueryFigureClusters page size while filtering names client-side (its maximum), to spend fewer calls. */
const NAME_SEARCH_PAGE = 100;

/** Intersection area over the smaller box (0: apart). */
function overlap(a: Box, b: Box): number {
  const w = Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left);
  const h = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top);
  return w > 0 && h > 0 ? (w * h) / Math.min(a.width * a.height, b.width * b.height) : 0;
}

/** The cloud backend: people are IMM FigureClusters of one dataset; photos are its files. */
export class ImmBackend implements AlbumBackend {
  readonly kind = 'imm' as const;
  readonly faceAttributes = IMM_FACE_ATTRIBUTES;
  private readonly client: ImmClient;
  private readonly config: ImmConfig;
  private readonly poll: PollInterval;
  private readonly pd: { ProjectName: string; DatasetName: string };
  private readonly ready: { checked: boolean };
  private readonly library: { uriPrefix: string | null } | null;
  private readonly videos: ImmVideoIndexer | null;
  private readonly media: ImmPersonMedia;

  constructor(opts: ImmBackendOptions) {
    this.client = opts.client;
    this.config = opts.config;
    this.poll = opts.poll ?? { minMs: 1_000, maxMs: 15_000 };
    this.pd = { ProjectName: opts.config.project, DatasetName: opts.config.dataset };
    this.ready = opts.ready ?? { checked: false };
    this.library = opts.library ?? null;
    this.videos = opts.video
      ? new ImmVideoIndexer({ ...opts.video, client: this.client, config: this.config, poll: this.poll })
      : null;
    this.media = new ImmPersonMedia(this.client, this.pd, opts.bucket ?? null);
  }

  // ---- indexer ----

  async indexPhotos(uris: string[], log: Logger): Promise<PhotoOutcome[]> {
    const videos = uris.filter(isVideoUri);
    const photos = uris.filter((u) => !isVideoUri(u));
    const outcomes = await this.indexImages(photos, log);
    if (!videos.length) return outcomes;
    if (!this.videos)
      return [
        ...outcomes,
        ...videos.map((uri) => ({
          uri,
          action: 'index' as const,
          outcome: 'rejected' as const,
          reason: 'videos are analysed by the indexer (frame capture), not here',
        })),
      ];
    const analysed = await this.withDataset(log, () => this.videos!.index(videos, log));
    return [...outcomes, ...analysed];
  }

  private async indexImages(uris: string[], log: Logger): Promise<PhotoOutcome[]> {
    if (!uris.length) return [];
    try {
      await this.withDataset(log, () =>
        this.client.call('BatchIndexFileMeta', { ...this.pd, Files: uris.map((URI) => ({ URI })) }, { log }),
      );
      return uris.map((uri) => ({ uri, action: 'index', outcome: 'submitted' }));
    } catch (err) {
      if (!(err instanceof ImmError) || err.retryable || isNotFound(err)) throw toAlbumError(err);
      if (uris.length === 1) throw toAlbumError(err);
      // One bad URI must not lose the other 99: fall back to one call per photo.
      log.warn('imm.batch_rejected', {
        action: 'BatchIndexFileMeta',
        code: err.code,
        message: err.immMessage,
        count: uris.length,
      });
      const outcomes: PhotoOutcome[] = [];
      for (const uri of uris) {
        try {
          await this.client.call('IndexFileMeta', { ...this.pd, File: { URI: uri } }, { log });
          outcomes.push({ uri, action: 'index', outcome: 'submitted' });
        } catch (one) {
          if (!(one instanceof ImmError) || one.retryable || isNotFound(one)) throw toAlbumError(one);
          outcomes.push({
            uri,
            action: 'index',
            outcome: 'rejected',
            reason: `${one.code}: ${one.immMessage}`,
          });
        }
      }
      return outcomes;
    }
  }

  async removePhotos(uris: string[], log: Logger): Promise<PhotoOutcome[]> {
    if (!uris.length) return [];
    const videos = uris.filter(isVideoUri);
    const photos = uris.filter((u) => !isVideoUri(u));
    const outcomes: PhotoOutcome[] = [];
    // DeleteFileMeta of a URI that was never indexed succeeds, so repeated deliveries are harmless.
    if (photos.length) {
      await mapped(
        this.withDataset(log, () =>
          this.client.call('BatchDeleteFileMeta', { ...this.pd, URIs: photos }, { log }),
        ),
      );
      outcomes.push(...photos.map((uri) => ({ uri, action: 'remove' as const, outcome: 'done' as const })));
    }
    if (videos.length) {
      // A video has no entry of its own: its frames' entries and objects are what goes.
      if (!this.videos) throw new AlbumError('internal', "removing a video needs the indexer's frame access");
      outcomes.push(...(await this.withDataset(log, () => this.videos!.remove(videos, log))));
    }
    return outcomes;
  }

  /**
   * With IMM_AUTO_CREATE, the first upload may arrive before the first timer run created the
   * dataset: create it and try again. Without it, a missing project/dataset is reported as the
   * ConfigError ensureProjectAndDataset throws, so the event is retried and kept, never dropped.
   */
  private async withDataset<T>(log: Logger, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      // The video path maps IMM's errors itself: its not-found is an AlbumError carrying IMM's code.
      const mappedNotFound =
        err instanceof AlbumError && err.code === 'not_found' && err.details?.immCode !== undefined;
      if (!isNotFound(err) && !mappedNotFound) throw err;
      const createDataset = this.config.autoCreate || this.library !== null;
      await ensureProjectAndDataset({ client: this.client, config: this.config }, Date.now() + 30_000, log, {
        createDataset,
      });
      if (!createDataset) throw err;
      return call();
    }
  }

  // ---- clusterer ----

  runClustering({ deadline, log }: { deadline: number; log: Logger }): Promise<ClusteringRun> {
    return runImmClustering(
      {
        client: this.client,
        config: this.config,
        poll: this.poll,
        ready: this.ready,
        ...(this.library ? { wait: false } : {}),
      },
      deadline,
      log,
    );
  }

  // ---- people ----

  /**
   * IMM pages are fetched with MaxResults = the page size fixed in the cursor; the cursor holds
   * IMM's NextToken plus how many items of that page were consumed, so filtering hidden people
   * client-side never returns more than `limit` items and never skips or repeats one.
   */
  async listPeople(query: PeopleQuery): Promise<Page<PersonRecord>> {
    if (query.sort === 'name') return this.listPeopleByName(query);
    const cursor = decodeCursor(query.cursor);
    // QueryFigureClusters has no name filter: with q, clusters are read a full page at a time and
    // matched here (cost: one call per 100 people scanned, at most MAX_PAGES_PER_LIST per request).
    const pageSize = cursor?.pageSize ?? (query.q ? NAME_SEARCH_PAGE : query.limit);
    const shown =
      query.hidden === 'exclude'
        ? (c: FigureCluster) => !isHidden(c.CustomLabels)
        : query.hidden === 'only'
          ? (c: FigureCluster) => isHidden(c.CustomLabels)
          : () => true;
    const q = query.q;
    const keep = q ? (c: FigureCluster) => shown(c) && nameContains(c.Name || null, q) : shown;
    let token = cursor?.token ?? '';
    let offset = cursor?.offset ?? 0;
    const items: PersonRecord[] = [];
    for (let pages = 0; pages < MAX_PAGES_PER_LIST; pages++) {
      const res = await mapped(
        this.client.call('QueryFigureClusters', {
          ...this.pd,
          MaxResults: pageSize,
          NextToken: token || undefined,
          Sort: SORT_FIELD[query.sort],
          Order: query.order,
          CustomLabels: query.hidden === 'only' ? `${HIDDEN_LABEL}=true` : undefined,
        }),
      );
      const clusters = res.FigureClusters ?? [];
      for (let i = offset; i < clusters.length; i++) {
        const c = clusters[i]!;
        if (!keep(c)) continue;
        items.push(toPerson(c));
        if (items.length >= query.limit) {
          if (i + 1 < clusters.length)
            return {
              items: await this.withVideos(items),
              nextCursor: encodeCursor({ token, offset: i + 1, pageSize }),
            };
          return {
            items: await this.withVideos(items),
            nextCursor: res.NextToken ? encodeCursor({ token: res.NextToken, offset: 0, pageSize }) : null,
          };
        }
      }
      if (!res.NextToken) return { items: await this.withVideos(items), nextCursor: null };
      token = res.NextToken;
      offset = 0;
    }
    // Many hidden people in a row: return what we have (maybe fewer than limit) and let the caller continue.
    return { items: await this.withVideos(items), nextCursor: encodeCursor({ token, offset: 0, pageSize }) };
  }

  /** IMM's counts with the frames of videos taken out (one SimpleQuery per person, in parallel). */
  private withVideos(people: PersonRecord[]): Promise<PersonRecord[]> {
    return Promise.all(people.map((p) => this.media.withVideos(p)));
  }

  /** Named people first in name order, then unnamed by photo count (imm-name-order.ts). */
  private async listPeopleByName(query: PeopleQuery): Promise<Page<PersonRecord>> {
    const q = query.q;
    const hidden = query.hidden;
    const shown = (c: FigureCluster) =>
      hidden === 'include' || isHidden(c.CustomLabels) === (hidden === 'only');
    const page = await listPeopleByName({
      page: async ({ sort, order, pageSize, token }) => {
        const res = await mapped(
          this.client.call('QueryFigureClusters', {
            ...this.pd,
            MaxResults: pageSize,
            NextToken: token || undefined,
            Sort: sort,
            Order: order,
            CustomLabels: hidden === 'only' ? `${HIDDEN_LABEL}=true` : undefined,
          }),
        );
        return { clusters: res.FigureClusters ?? [], nextToken: res.NextToken ?? '' };
      },
      keep: q ? (c) => shown(c) && nameContains(c.Name || null, q) : shown,
      toPerson,
      order: query.order,
      limit: query.limit,
      cursor: query.cursor,
      pageSize: query.q ? NAME_SEARCH_PAGE : Math.min(100, Math.max(query.limit, 20)),
    });
    return { items: await this.withVideos(page.items), nextCursor: page.nextCursor };
  }

  private async getCluster(id: string): Promise<FigureCluster | null> {
    const res = await orNull(this.client.call('GetFigureCluster', { ...this.pd, ObjectId: id }));
    return res?.FigureCluster ?? null;
  }

  /**
   * The cluster, or for a merged-away id the cluster it was merged into: found by its merge record
   * (`album.merged.<id>=true`, one QueryFigureClusters filtered by that label) when GetFigureCluster
   * says the id is gone. Only merges made through this API have records.
   */
  private async clusterOrMergedInto(id: string): Promise<FigureCluster | null> {
    const cluster = await this.getCluster(id);
    if (cluster) return cluster;
    const res = await mapped(
      this.client.call('QueryFigureClusters', {
        ...this.pd,
        MaxResults: 1,
        CustomLabels: mergeRecordFilter(id),
      }),
    );
    return res.FigureClusters?.[0] ?? null;
  }

  /** A merged-away id answers with the person it was merged into (its id differs from the one asked). */
  async getPerson(id: string): Promise<PersonRecord | null> {
    const cluster = await this.clusterOrMergedInto(id);
    return cluster ? this.media.withVideos(toPerson(cluster)) : null;
  }

  listPersonPhotos(id: string, query: PersonPhotosQuery): Promise<Page<PhotoRecord>> {
    return this.media.list(id, query);
  }

  /**
   * One SimpleQuery with an `eq` on Figures.FigureClusterId per person under `and` (IMM takes up to 100
   * sub-queries). A merged-away id stands for the person it was merged into (its merge record), as locally.
   * Video frames are not photos: a video is one item when its frames show every listed person
   * (ImmPersonMedia.withPeople), after the photos.
   */
  async listPhotosWithPeople(query: PhotosWithPeopleQuery): Promise<Page<PhotoRecord>> {
    const clusters = await Promise.all(query.people.map((id) => this.clusterOrMergedInto(id)));
    const people = clusters.map((c, i) => {
      const id = query.people[i]!;
      // Said in the message: a client holding an id from before a merge learns why it is gone.
      if (!c)
        throw new AlbumError(
          'not_found',
          `person ${id} does not exist (on IMM a person merged into another is deleted; use the id it was merged into)`,
        );
      if (isHidden(c.CustomLabels))
        throw new AlbumError('bad_request', `person ${id} is hidden; unhide it to list its photos`);
      return c.ObjectId;
    });
    return this.media.withPeople({ ...query, people: [...new Set(people)] });
  }

  /**
   * "Who is this?" on a photo in OSS: DetectImageFaces for the faces (so a face that matches nobody is still
   * listed, with no matches) and SearchImageFigureCluster for the clusters, one entry per (face, cluster),
   * given to the face whose box overlaps it most. The matches are IMM's own (its similarity floor is not
   * documented); hidden people are left out. Two calls, nothing indexed.
   */
  async searchFaces(source: DetectSource): Promise<FaceSearchRecord[]> {
    if (source.kind === 'bytes')
      throw new AlbumError(
        'bad_request',
        'searching an uploaded image needs the local backend; upload the photo to OSS and pass its uri',
      );
    const [faces, res] = await Promise.all([
      this.detectFaces(source),
      mapped(this.client.call('SearchImageFigureCluster', { ...this.pd, SourceURI: source.uri })),
    ]);
    const out: FaceSearchRecord[] = faces.map((f) => ({ box: f.box, matches: [] }));
    for (const c of res.Clusters ?? []) {
      const box = toBox(c.Boundary);
      if (!box || !c.ClusterId) continue;
      const face = out
        .map((f) => ({ f, overlap: overlap(f.box, box) }))
        .sort((a, b) => b.overlap - a.overlap)[0];
      if (!face || face.overlap <= 0) continue;
      const person = await this.getPerson(c.ClusterId);
      if (person && !person.hidden)
        face.f.matches.push({ person, similarity: Math.min(1, Math.max(0, c.Similarity ?? 0)) });
    }
    for (const f of out) f.matches.sort((a, b) => b.similarity - a.similarity);
    return out;
  }

  async updatePerson(id: string, patch: PersonPatch): Promise<PersonRecord> {
    const current = await this.getCluster(id);
    if (!current) throw notFound('person', id);
    const reserved = Object.fromEntries(
      Object.entries(current.CustomLabels ?? {}).filter(([k]) => k.startsWith('album.')),
    );
    const user =
      patch.labels ??
      Object.fromEntries(Object.entries(current.CustomLabels ?? {}).filter(([k]) => !k.startsWith('album.')));
    const labels: Record<string, string> = { ...user, ...reserved };
    if (patch.hidden === true) labels[HIDDEN_LABEL] = 'true';
    if (patch.hidden === false) delete labels[HIDDEN_LABEL];
    const update = {
      ObjectId: id,
      MetaLockVersion: current.MetaLockVersion,
      CustomLabels: labels,
      ...(patch.name !== undefined ? { Name: patch.name ?? '' } : {}),
    };
    await mapped(this.client.call('UpdateFigureCluster', { ...this.pd, FigureCluster: update }));
    // Built from what we sent rather than re-read: IMM's index may lag the write by a moment.
    return this.media.withVideos(
      toPerson({
        ...current,
        ...update,
        MetaLockVersion: (current.MetaLockVersion ?? 0) + 1,
        UpdateTime: new Date().toISOString(),
      }),
    );
  }

  /** UpdateFigureCluster with `Cover.Figures[0].FigureId`; IMM takes the photo of that figure as the cover. */
  async setCover(personId: string, faceId: string): Promise<PersonRecord> {
    const current = await this.getCluster(personId);
    if (!current) throw notFound('person', personId);
    await mapped(
      this.client.call('UpdateFigureCluster', {
        ...this.pd,
        FigureCluster: {
          ObjectId: personId,
          MetaLockVersion: current.MetaLockVersion,
          Cover: { Figures: [{ FigureId: faceId }] },
        },
      }),
    );
    // Re-read: the cover is a whole File that only IMM knows from the figure id.
    const updated = await this.getCluster(personId);
    if (!updated) throw notFound('person', personId);
    return this.media.withVideos(toPerson(updated));
  }

  /**
   * IMM merges in a task and keeps no log, so a merge cannot be undone here (capabilities: undo false).
   * Before the task starts, one UpdateFigureCluster on the kept person (MetaLockVersion-checked) writes
   * what the album must remember, as IMM deletes the merged-away clusters and keeps nothing of them:
   * - the chosen `name` (IMM's merge keeps the target's name);
   * - its cover, pinned to the figure it shows now (bug 1: the kept person's cover must not change);
   * - a merge record per merged-away id, `album.merged.<id>` (imm-merge-records.ts), with the records the
   *   merged-away people held, so an old id leads to the person it went into, through merges of merges.
   */
  async mergePeople(from: string[], into: string, opts: { name?: string | null } = {}): Promise<TaskRecord> {
    if (!from.length) throw new AlbumError('bad_request', 'nothing to merge');
    if (from.includes(into)) throw new AlbumError('bad_request', 'into must not be one of from');
    const [target, ...sources] = await Promise.all([into, ...from].map((id) => this.getCluster(id)));
    if (!target) throw notFound('person', into);
    sources.forEach((c, i) => {
      if (!c) throw notFound('person', from[i]!);
    });
    const coverFigure = target.Cover?.Figures?.find((f) => f.FigureClusterId === into)?.FigureId;
    await mapped(
      this.client.call('UpdateFigureCluster', {
        ...this.pd,
        FigureCluster: {
          ObjectId: into,
          MetaLockVersion: target.MetaLockVersion,
          CustomLabels: withMergeRecords(target.CustomLabels, sources as FigureCluster[]),
          ...(coverFigure ? { Cover: { Figures: [{ FigureId: coverFigure }] } } : {}),
          ...(opts.name !== undefined ? { Name: opts.name ?? '' } : {}),
        },
      }),
    );
    // IMM takes exactly one of From (one id) or Froms (a list).
    const source = from.length === 1 ? { From: from[0]! } : { Froms: from };
    const mergeTag = randomUUID();
    const res = await mapped(
      this.client.call('CreateFigureClustersMergingTask', {
        ...this.pd,
        To: into,
        ...source,
        Tags: { [DATASET_TAG]: this.config.dataset, [MERGE_TAG]: mergeTag },
      }),
    );
    return toTask(
      { TaskId: res.TaskId, Status: 'Running', StartTime: new Date().toISOString() },
      encodeTaskId('merge', res.TaskId, mergeTag),
      'merge',
    );
  }

  async getTask(id: string): Promise<TaskRecord | null> {
    const decoded = decodeTaskId(id);
    if (!decoded) return null;
    if (decoded.type === 'merge') {
      // The merging TaskType is undocumented: find the task by the tag we gave it (imm-facts §1).
      const res = await orNull(
        this.client.call('ListTasks', {
          ProjectName: this.config.project,
          TagSelector: `${MERGE_TAG}=${decoded.mergeTag}`,
          MaxResults: 1,
        }),
      );
      const info = res?.Tasks?.find((t) => t.TaskId === decoded.immTaskId);
      return info && this.ownsTask(info) ? toTask(info, id, 'merge') : null;
    }
    const info = await orNull(
      this.client.call('GetTask', {
        ProjectName: this.config.project,
        TaskId: decoded.immTaskId,
        TaskType: TASK_TYPE_CLUSTERING,
      }),
    );
    return info && this.ownsTask(info) ? toTask(info, id, 'clustering') : null;
  }

  /** Tasks belong to the project, not a dataset: a library sees only those tagged with its dataset. */
  private ownsTask(info: TaskInfo): boolean {
    return !this.library || info.Tags?.[DATASET_TAG] === this.config.dataset;
  }

  // ---- photos ----

  async getPhoto(uri: string): Promise<PhotoRecord | null> {
    // Frames are never photos; a video is the faces of its frames.
    if (isFrameUri(uri)) return null;
    if (isVideoUri(uri)) return this.media.getVideo(uri);
    const res = await orNull(
      this.client.call('GetFileMeta', { ...this.pd, URI: uri, WithFields: PHOTO_FIELDS }),
    );
    const file = res?.Files?.[0];
    return file ? toPhoto(file) : null;
  }

  async detectFaces(source: DetectSource): Promise<FaceRecord[]> {
    if (source.kind === 'bytes') {
      throw new AlbumError(
        'bad_request',
        'upload detection needs the local backend; upload the photo to OSS and pass its uri',
      );
    }
    if (isVideoUri(source.uri) || isFrameUri(source.uri))
      throw new AlbumError(
        'bad_request',
        'detection works on photos; GET /photos/faces?uri= lists the faces found in a video',
      );
    // DetectImageFaces names no dataset: a library may only look at its own photos (another's is "not found").
    const own = this.library?.uriPrefix && source.uri.startsWith(this.library.uriPrefix);
    if (this.library && (!own || /\/\.\.?(\/|$)/.test(source.uri))) throw notFound('photo', source.uri);
    const res = await mapped(
      this.client.call('DetectImageFaces', { ProjectName: this.config.project, SourceURI: source.uri }),
    );
    // Detection is stateless: no face belongs to a person yet.
    return (res.Faces ?? []).map((f, i) => ({ ...toFace(f, i), personId: null }));
  }

  /**
   * The change signal: the dataset's fingerprint (files, size, update time) and the most recently updated
   * person, two reads without aggregation. IMM exposes no indexing queue: zeros.
   */
  async changes(): Promise<ChangesRecord> {
    const [dataset, newest] = await Promise.all([
      mapped(this.client.call('GetDataset', { ...this.pd, WithStatistics: true })),
      mapped(
        this.client.call('QueryFigureClusters', {
          ...this.pd,
          MaxResults: 1,
          Sort: 'UpdateTime',
          Order: 'desc',
        }),
      ),
    ]);
    const d = dataset.Dataset;
    const c = newest.FigureClusters?.[0];
    return {
      generation: [
        d.FileCount ?? 0,
        d.TotalFileSize ?? 0,
        d.UpdateTime ?? '',
        c?.ObjectId ?? '',
        c?.UpdateTime ?? '',
      ].join('|'),
      indexing: { queued: 0, running: 0 },
    };
  }

  async stats(): Promise<StatsRecord> {
    const [dataset, photos, people, last] = await Promise.all([
      mapped(this.client.call('GetDataset', { ...this.pd, WithStatistics: true })),
      this.media.photoCount(),
      mapped(this.client.call('QueryFigureClusters', { ...this.pd, MaxResults: 1, WithTotalCount: true })),
      newestClusteringTask({ client: this.client, config: this.config }, undefined, Date.now() + 30_000),
    ]);
    return {
      backend: 'imm',
      // The dataset's files include the frames of videos; photos are the files outside the frame prefix.
      photoCount: photos ?? dataset.Dataset.FileCount ?? null,
      faceCount: null, // IMM has no dataset-wide face count without an aggregation over every file
      personCount: people.TotalCount ?? null,
      lastClustering: last ? toTask(last, encodeTaskId('clustering', last.TaskId), 'clustering') : null,
      // IMM indexes asynchronously after BatchIndexFileMeta and exposes no queue.
      indexing: { queued: null, refused: null },
      // Frames are indexed asynchronously and a video is many files: no cheap count of videos.
      videos: { indexed: null, refused: null, unavailableReason: null },
    };
  }
}

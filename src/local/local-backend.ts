import type { AlbumBackend, PhotoSource } from '../album/backend';
import { editSummary, patchKind } from '../album/edit-summary';
import { AlbumError, notFound } from '../album/errors';
import { ossUri, parseOssUri } from '../album/photo-filter';
import type {
  ChangesRecord,
  ClusteringRun,
  DetectSource,
  Edit,
  EditKind,
  EditReceipt,
  FaceRecord,
  FaceSearchRecord,
  FaceTarget,
  Page,
  PageQuery,
  PeopleQuery,
  PersonPatch,
  PersonPhotosQuery,
  PersonRecord,
  PhotoFaceRecord,
  PhotoOutcome,
  PhotoRecord,
  PhotosWithPeopleQuery,
  SimilarPersonRecord,
  StatsRecord,
  TaskRecord,
  UnknownGroupRecord,
} from '../album/types';
import type { Logger } from '../log/logger';
import { albumClusterData } from './cluster/album-cluster-data';
import type {
  ClusterChanges,
  ClusterFace,
  ClusterPerson,
  VectorKind,
  VectorKinds,
} from './cluster/cluster-types';
import { DistinctSource } from './cluster/distinct-content';
import { nearestPeople, similarityOf } from './cluster/face-search';
import { newPersonId } from './cluster/person-id';
import { EngineBusyError, EngineGate } from './engine/engine-gate';
import { LOCAL_FACE_ATTRIBUTES } from './engine/face-attribute-reader';
import {
  type AnalyzedPhoto,
  type EngineInput,
  type FaceEngine,
  ImageRejectedError,
} from './engine/face-engine';
import type { PhotoFolder } from './folder/photo-folder';
import { NO_FFMPEG, PhotoIndexer } from './indexing/photo-indexer';
import { type ReanalysisResult, reanalyse } from './indexing/reanalysis';
import type { EditLogStore, Recorded, Snapshot } from './store/edit-log-store';
import type { FaceEditsStore } from './store/face-edits-store';
import type { PeopleStore } from './store/people-store';
import type { PhotoStore, StoredFace, StoredPhoto } from './store/photo-store';
import { ReadMemo } from './store/read-memo';
import type { TaskStore } from './store/task-store';
import type { UnknownFacesStore } from './store/unknown-faces-store';
import type { FfmpegBinary } from './video/ffmpeg-binary';
import type { VideoAnalyzer } from './video/video-analyzer';
import { unionSpans } from './video/video-faces';

/** The store as the clusterer reads it: face states first, embeddings only for the faces it needs. */
export interface ClusterSource {
  faceStates(): Omit<ClusterFace, 'embedding'>[];
  /** The faces' vectors of that kind (face-api's when not given); a face without one is left out. */
  embeddings(faceIds: number[], vectors?: VectorKind): Map<number, Float32Array>;
  persons(): ClusterPerson[];
  /**
   * The vectors every face has (`available`) and those the album's people were last clustered on in full
   * (`clustered`); absent: face-api's for both.
   */
  vectorKinds?(): VectorKinds;
}

/** What the backend needs from the clusterer: the changes for the store's current faces and persons. */
export interface FaceClusterer {
  cluster(input: { source: ClusterSource; full: boolean }): ClusterChanges | Promise<ClusterChanges>;
  /** The backend stored the last changes (a clusterer may keep state between runs only then). */
  committed?(): void;
}

export interface LocalBackendDeps {
  bucket: string;
  folder: PhotoFolder;
  /**
   * Keys this album holds (a library's folder, `<library>/`; '' or absent: the whole folder). A photo of
   * the folder outside it is not found here, the same answer as a photo that does not exist.
   */
  keyPrefix?: string;
  photos: PhotoStore;
  people: PeopleStore;
  tasks: TaskStore;
  /** Cover choices and faces given by hand (the People page's edits). */
  edits: FaceEditsStore;
  /** Every edit with what it overwrote (undo). */
  editLog: EditLogStore;
  /** The grouping of faces no person holds, and "not a face" marks. */
  unknownFaces: UnknownFacesStore;
  /** Started on first use: status/export never pay for loading models. */
  engine: () => Promise<FaceEngine>;
  clusterer: FaceClusterer;
  isClusterable: (face: StoredFace) => boolean;
  /** Photos analysed at once; the engine's worker count. */
  concurrency: number;
  /** Videos' people through ffmpeg; absent: videos are refused with that reason. */
  video?: VideoAnalyzer;
  /** Keep read answers until the next write (ReadMemo); off only to measure the uncached path. */
  memoizeReads?: boolean;
  /** Let the HTTP API keep read answers as JSON text (readVersion); off only to measure without it. */
  memoizeBodies?: boolean;
  /**
   * A clustering pass runs the full re-clustering (ids and edits kept) instead of the incremental one once
   * the album has this many times more faces than at its last full pass (default 0.25: +25 %). Incremental
   * passes never move a placed face nor merge two persons; a full pass now and then heals what they
   * could not, at a cost that stays in proportion to growth (a 100k-face full pass takes ~15 s).
   */
  fullClusteringGrowth?: number;
  /** See SIMILAR_PEOPLE_MAX_DISTANCE (tests on other embedding scales). */
  similarMaxDistance?: number;
}

const DEFAULT_FULL_CLUSTERING_GROWTH = 0.25;
/**
 * "Possibly the same person" suggests only people whose centroid (mean identity embedding) is closer
 * than this. Calibrated on faces-dev (bench/similar-cutoff.ts, docs/edits-and-review.md): each of 346
 * identities split in two halves has its halves within 0.423 of each other, while 0.1 % of half pairs of
 * two different identities are closer than 0.45 (at 0.44: about 0.7 false suggestions per person in an
 * album of 1,000 people, 0.007 in an album of 10). Before, every person was suggested, however far.
 */
export const SIMILAR_PEOPLE_MAX_DISTANCE = 0.44;
/**
 * Passes of one run whose result a user edit made stale (see cluster()). After the last one the run gives
 * up and leaves the changes for the next run; edits still win.
 */
const CLUSTERING_ATTEMPTS = 3;
/** Photo lookups kept for face crops: a few grid pages of covers. */
const PHOTO_LOOKUPS_KEPT = 2000;

/** Runs `fn` over items with at most `limit` in flight, keeping result order. */
async function mapPool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/** The album on this machine: a folder for the bucket, SQLite for IMM's metadata, the local engine and clusterer. */
export class LocalBackend implements AlbumBackend {
  readonly kind = 'local' as const;
  readonly faceAttributes = LOCAL_FACE_ATTRIBUTES;
  private readonly indexer: PhotoIndexer;
  private clustering: Promise<ClusteringRun> | null = null;
  private readonly reads: ReadMemo;
  /** Photos by key for face crops: a warm crop costs less than the SQLite read transaction it would need. */
  private readonly photoLookups: ReadMemo;
  /** Bumped whenever faces change person, so cached person centroids are recomputed. */
  private facesVersion = 0;
  /**
   * Bumped by every user edit of people or faces (merge, rename, hide, not this person, assign, cover). A
   * clustering pass that ran in the clustering thread while one was made is not applied: its result was
   * computed without the edit and would overwrite it.
   */
  private editCount = 0;
  private centroids: { key: string; byPerson: Map<string, Float64Array> } | null = null;
  /** Searches and /detect: one running per engine worker, two per worker in line, the rest refused (429). */
  private readonly interactive: EngineGate;
  /**
   * Photo changes seen but not indexed yet (`queued`, those being indexed included) and those being
   * indexed now (`running`); the launcher's change queue reports them here (null: no queue, e.g. a test).
   */
  indexing: () => { queued: number; running: number } | null = () => null;
  /** Photos the indexer finished in this process (any outcome): `start`'s progress line counts them. */
  photosHandled = 0;
  /** Tells this process's generations apart from an earlier one's (total_changes restarts at 0). */
  private readonly boot = Date.now().toString(36);

  constructor(private readonly deps: LocalBackendDeps) {
    const version =
      deps.memoizeReads === false ? () => String(Math.random()) : () => deps.photos.dataVersion();
    this.reads = new ReadMemo(version);
    this.photoLookups = new ReadMemo(version, PHOTO_LOOKUPS_KEPT);
    this.interactive = new EngineGate({
      running: Math.max(1, deps.concurrency),
      waiting: 2 * Math.max(1, deps.concurrency),
    });
    this.indexer = new PhotoIndexer({
      folder: deps.folder,
      store: deps.photos,
      engine: deps.engine,
      isClusterable: deps.isClusterable,
      uriOf: (key) => this.uriOf(key),
      video: deps.video,
    });
  }

  /**
   * Says once, in the log, whether videos can be analysed (ffmpeg found or why not). Once ffmpeg is there,
   * videos refused for want of it are forgotten, so the catch-up walk indexes them.
   */
  async checkVideoSupport(log: Logger): Promise<void> {
    const ff = await this.videoSupport();
    if (!ff.ok) {
      log.warn('video.unavailable', { reason: ff.reason });
      return;
    }
    const again = this.deps.photos.forgetRejections(NO_FFMPEG);
    log.info('video.ffmpeg', { path: ff.path, version: ff.version, retried: again.length });
  }

  private videoSupport(): Promise<FfmpegBinary> {
    return this.deps.video
      ? this.deps.video.ffmpeg()
      : Promise.resolve({ ok: false, reason: 'this album does not analyse videos' });
  }

  /** `face-album reanalyse`: face attributes and second vectors for analyses made before the engine made them. */
  reanalyse(log: Logger): Promise<ReanalysisResult> {
    return reanalyse({
      photos: this.deps.photos,
      folder: this.deps.folder,
      engine: this.deps.engine,
      ...(this.deps.video ? { video: this.deps.video } : {}),
      log,
    });
  }

  /** Marks runs left 'running' by a killed process as failed; only the process holding the data dir may. */
  recoverAbandonedTasks(): void {
    this.deps.tasks.failAbandoned();
  }

  /** Photos analysed at once. */
  get concurrency(): number {
    return this.deps.concurrency;
  }

  uriOf(key: string): string {
    return ossUri(this.deps.bucket, key);
  }

  keyOf(uri: string): string {
    const parsed = parseOssUri(uri);
    if (!parsed || parsed.bucket !== this.deps.bucket)
      throw new AlbumError('bad_request', `not a photo of this album (bucket ${this.deps.bucket}): ${uri}`);
    if (this.deps.keyPrefix && !parsed.key.startsWith(this.deps.keyPrefix)) throw notFound('photo', uri);
    return parsed.key;
  }

  async indexPhotos(uris: string[], log: Logger): Promise<PhotoOutcome[]> {
    // More files in flight than engine workers: a copy of known content needs only file reads and
    // SQLite, and with two in flight the process sat idle waiting on the file system a third of the
    // time. The engine queues what it cannot start yet.
    const outcomes = await mapPool(uris, Math.max(16, this.deps.concurrency * 4), async (uri) => {
      try {
        // The photo, and the links to it that changed with it.
        return await this.indexer.index(this.keyOf(uri), log);
      } catch (err) {
        // Not remembered: an unexpected failure (engine crash, disk error) is retried on the next change or restart.
        log.error('photo.index_failed', { uri, error: err });
        return [
          {
            uri,
            action: 'index',
            outcome: 'rejected',
            reason: `error: ${err instanceof Error ? err.message : String(err)}`,
          } satisfies PhotoOutcome,
        ];
      } finally {
        this.photosHandled++;
      }
    });
    return outcomes.flat();
  }

  async removePhotos(uris: string[]): Promise<PhotoOutcome[]> {
    return uris.map((uri) => {
      const key = this.keyOf(uri);
      // A removed folder arrives as one event for its path: drop everything under it.
      const keys = this.deps.photos.knownFile(key)
        ? [key]
        : this.deps.photos.pathsUnder(key.endsWith('/') ? key : `${key}/`);
      const removed = keys.map((k) => this.deps.photos.removePath(k)).some(Boolean);
      return { uri, action: 'remove', outcome: removed ? 'done' : 'unchanged' };
    });
  }

  runClustering(opts: { deadline: number; log: Logger; full?: boolean }): Promise<ClusteringRun> {
    // One run at a time per process; a second caller waits for the running one rather than racing it.
    if (this.clustering)
      return this.clustering.then(() => ({
        outcome: 'skipped',
        reason: 'a clustering run was already in progress',
        task: this.deps.tasks.last('clustering'),
      }));
    this.clustering = this.cluster(opts).finally(() => {
      this.clustering = null;
    });
    return this.clustering;
  }

  private async cluster({
    log,
    full: requested = false,
  }: {
    log: Logger;
    full?: boolean;
  }): Promise<ClusteringRun> {
    const { photos, people, tasks } = this.deps;
    // A clusterer in another thread reads the store through its own connection: it must see every write
    // the generation below counts.
    photos.commitPending();
    const generation = photos.generation();
    if (!requested && generation === tasks.clusteredGeneration()) {
      return {
        outcome: 'skipped',
        reason: 'no photo changed since the last clustering',
        task: tasks.last('clustering'),
      };
    }
    const albumFaces = photos.counts().faces;
    const growth = this.deps.fullClusteringGrowth ?? DEFAULT_FULL_CLUSTERING_GROWTH;
    const full = requested || albumFaces >= tasks.fullClusteredFaces() * (1 + growth);
    const task = tasks.start('clustering');
    const started = Date.now();
    try {
      let source: DistinctSource;
      let raw: ClusterChanges;
      for (let attempt = 1; ; attempt++) {
        const editsBefore = this.editCount;
        // The clusterer sees each distinct face once, however many copies of its photo the folder holds.
        source = new DistinctSource(albumClusterData(photos, people));
        raw = await this.deps.clusterer.cluster({ source, full });
        if (this.editCount === editsBefore) break;
        // Not applied and not committed(): the clusterer's next pass starts again from what the store holds.
        log.info('clustering.edited_meanwhile', { attempt, attempts: CLUSTERING_ATTEMPTS });
        if (attempt < CLUSTERING_ATTEMPTS) continue;
        const reason = 'people were edited during every clustering pass; the next run clusters these photos';
        const failed = tasks.finish(task.id, 'failed', { code: 'ClusteringInterrupted', message: reason });
        return { outcome: 'skipped', reason, task: failed };
      }
      // Faces deleted while the pass ran are skipped by the store; faces added meanwhile wait for the next
      // run (the generation recorded is the one read before the pass). A clusterer that read the store
      // itself (ClusterThread) never called faceStates(): its changes already cover every copy.
      const writing = performance.now();
      const changes = source.expand(raw);
      const result = people.applyClusterChanges(changes);
      if (changes.fullPass) log.info('clustering.vectors', changes.fullPass);
      if (changes.unknownGroups) this.deps.unknownFaces.replaceGroups(changes.unknownGroups);
      const writeMs = Math.round(performance.now() - writing);
      this.facesVersion++;
      this.deps.clusterer.committed?.();
      tasks.setClusteredGeneration(generation);
      if (full) tasks.setFullClusteredFaces(albumFaces);
      const done = tasks.finish(task.id, 'succeeded', {
        // writeMs: the result's write, on the main thread (the API waits for it).
        stats: {
          faces: source.read ? source.faceCount : albumFaces,
          ms: Date.now() - started,
          writeMs,
          full,
          ...result,
        },
      });
      return { outcome: 'succeeded', task: done, newPeople: result.created, updatedPeople: result.updated };
    } catch (err) {
      log.error('clustering.error', { error: err });
      const failed = tasks.finish(task.id, 'failed', {
        code: 'ClusteringFailed',
        message: err instanceof Error ? err.message : String(err),
      });
      return { outcome: 'failed', reason: failed.message ?? undefined, task: failed };
    }
  }

  async listPeople(query: PeopleQuery): Promise<Page<PersonRecord>> {
    const { limit, cursor, sort, order, hidden, q } = query;
    return this.reads.get(JSON.stringify(['people', limit, cursor, sort, order, hidden, q]), () => {
      const page = this.deps.people.list(query);
      return { ...page, items: this.withChosenCovers(page.items) };
    });
  }

  /** A merged-away id answers with the person it was merged into (its id differs from the one asked). */
  async getPerson(id: string): Promise<PersonRecord | null> {
    return this.reads.get(JSON.stringify(['person', id]), () => {
      const { people } = this.deps;
      const target = people.mergedInto(id);
      const person = people.get(target ?? id);
      return person ? this.withChosenCovers([person])[0]! : null;
    });
  }

  /** A cover the user chose wins over the automatic one while its face still belongs to the person. */
  private withChosenCovers(people: PersonRecord[]): PersonRecord[] {
    const chosen = this.deps.edits.coversOf(people.map((p) => p.id));
    if (!chosen.size) return people;
    return people.map((p) => {
      const c = chosen.get(p.id);
      return c ? { ...p, cover: { uri: this.uriOf(c.path), box: c.box } } : p;
    });
  }

  /**
   * Runs one user edit through the edit log (undo) and tells a clustering pass running meanwhile that its
   * result is stale (editCount). The receipt gets the log entry's id.
   */
  private edit<T>(kind: EditKind, receipt: EditReceipt | undefined, fn: (snap: Snapshot) => Recorded<T>): T {
    this.editCount++;
    this.facesVersion++;
    const { value, editId } = this.deps.editLog.record(kind, fn);
    if (receipt) receipt.editId = editId;
    return value;
  }

  private nameOf(personId: string): string | null {
    return this.deps.people.get(personId)?.name ?? null;
  }

  async setCover(personId: string, faceId: string, receipt?: EditReceipt): Promise<PersonRecord> {
    if (!this.deps.people.get(personId)) throw notFound('person', personId);
    const face = this.faceIdOf(faceId);
    this.edit('cover', receipt, (snap) => {
      snap.person(personId).cover(personId);
      this.deps.edits.setCover(personId, face);
      return { value: null, summary: editSummary.cover(this.nameOf(personId)), personIds: [personId] };
    });
    return (await this.getPerson(personId))!;
  }

  async assignFace(faceId: string, personId: string, receipt?: EditReceipt): Promise<void> {
    await this.assignFaces([faceId], { personId }, receipt);
  }

  /** Gives faces by hand to a person, or to a new one; pinned there (no clustering moves them). */
  async assignFaces(faceIds: string[], target: FaceTarget, receipt?: EditReceipt): Promise<string> {
    const ids = faceIds.map((id) => this.faceIdOf(id));
    const { people, edits } = this.deps;
    return this.edit('give-to-person', receipt, (snap) => {
      const from = ids.map((id) => edits.personOfFace(id));
      const missing = ids.filter((_, i) => from[i] === undefined);
      if (missing.length) throw notFound('face', missing.join(', '));
      let personId: string;
      if ('personId' in target) {
        personId = target.personId;
        snap.person(personId);
      } else {
        personId = newPersonId();
        snap.person(personId);
        people.create(personId, target.newPerson.name);
      }
      snap.face(...ids).person(...from.filter((p): p is string => typeof p === 'string'));
      for (const id of ids) edits.assignFace(id, personId);
      const name = 'personId' in target ? this.nameOf(personId) : target.newPerson.name;
      return {
        value: personId,
        summary: editSummary.give(new Set(ids).size, name, !('personId' in target)),
        personIds: [personId],
      };
    });
  }

  /**
   * Other people ranked by the distance between face centroids (the mean identity embedding). The
   * centroids come from one pass over the assigned faces and are kept until faces change person, so
   * the merge dialog costs one pass per edit, not one per suggestion.
   */
  async similarPeople(personId: string, limit: number): Promise<SimilarPersonRecord[]> {
    const centroids = this.personCentroids();
    const mine = centroids.get(personId);
    if (!mine) return [];
    const ranked: { id: string; distance: number }[] = [];
    for (const [id, c] of centroids) {
      if (id === personId) continue;
      let d = 0;
      for (let i = 0; i < c.length; i++) d += (c[i]! - mine[i]!) ** 2;
      ranked.push({ id, distance: Math.sqrt(d) });
    }
    const max = this.deps.similarMaxDistance ?? SIMILAR_PEOPLE_MAX_DISTANCE;
    const likely = ranked.filter((r) => r.distance < max).sort((a, b) => a.distance - b.distance);
    const out: SimilarPersonRecord[] = [];
    for (const r of likely) {
      const person = await this.getPerson(r.id);
      if (person) out.push({ person, distance: Math.round(r.distance * 1000) / 1000 });
    }
    // Named people first (the merge a person most likely wants), then the closest.
    out.sort(
      (a, b) => Number(b.person.name !== null) - Number(a.person.name !== null) || a.distance - b.distance,
    );
    return out.slice(0, limit);
  }

  /** Mean identity embedding per person, from one pass over the assigned faces, kept until faces change person. */
  private personCentroids(): Map<string, Float64Array> {
    const key = `${this.deps.photos.generation()}:${this.facesVersion}`;
    if (this.centroids?.key !== key) {
      const byPerson = new Map<string, Float64Array>();
      for (const [id, { sum, n }] of this.deps.edits.personEmbeddingSums())
        byPerson.set(
          id,
          sum.map((v) => v / n),
        );
      this.centroids = { key, byPerson };
    }
    return this.centroids.byPerson;
  }

  refuseWhenBusy(): void {
    try {
      this.interactive.refuseWhenFull();
    } catch (err) {
      throw busy(err as EngineBusyError);
    }
  }

  /** Each face of the image against every person's centroid; hidden and unlisted people are not offered. */
  async searchFaces(source: DetectSource): Promise<FaceSearchRecord[]> {
    const analysis = await this.analyzeSource(source);
    const centroids = this.personCentroids();
    const out: FaceSearchRecord[] = [];
    for (const face of analysis.faces) {
      const matches: FaceSearchRecord['matches'] = [];
      for (const m of nearestPeople(face.embedding, centroids)) {
        const person = await this.getPerson(m.personId);
        if (person && !person.hidden) matches.push({ person, similarity: similarityOf(m.distance) });
      }
      out.push({ box: face.box, matches });
    }
    return out;
  }

  photoSource(): PhotoSource {
    const { folder, keyPrefix } = this.deps;
    return { kind: 'folder', path: keyPrefix ? folder.pathOf(keyPrefix.replace(/\/$/, '')) : folder.root };
  }

  private faceIdOf(faceId: string): number {
    const id = Number(faceId);
    if (!Number.isInteger(id) || id < 1) throw notFound('face', faceId);
    return id;
  }

  /**
   * The person's photos and videos, newest first (undated last), by keyset on the person→photo table
   * (store/person-photos.ts); `mediaType` seeks that table's (person, media) index.
   */
  async listPersonPhotos(id: string, query: PersonPhotosQuery): Promise<Page<PhotoRecord>> {
    return this.reads.get(JSON.stringify(['person-photos', id, query]), () => {
      const page = this.deps.people.photos.page([id], query);
      return {
        items: this.photoRecords(this.deps.photos.photosByIds(page.ids), id),
        nextCursor: page.nextCursor,
      };
    });
  }

  /** A video holding every listed person counts once, like a photo (its frames are never items). */
  async listPhotosWithPeople(query: PhotosWithPeopleQuery): Promise<Page<PhotoRecord>> {
    return this.reads.get(JSON.stringify(['photos-with', query]), () => {
      const people = this.deps.people.resolveForQuery(query.people);
      const page = this.deps.people.photos.page(people, query);
      return {
        items: this.photoRecords(this.deps.photos.photosByIds(page.ids)),
        nextCursor: page.nextCursor,
      };
    });
  }

  async updatePerson(id: string, patch: PersonPatch, receipt?: EditReceipt): Promise<PersonRecord> {
    return this.edit(patchKind(patch), receipt, (snap) => {
      const before = this.deps.people.get(id);
      if (!before) throw notFound('person', id);
      snap.person(id);
      const person = this.deps.people.update(id, patch);
      return { value: person, summary: editSummary.patch(before.name, patch), personIds: [id] };
    });
  }

  /**
   * Local merges finish at once; the task is recorded so GET /tasks/:id answers as on IMM. The kept
   * person keeps the cover it showed (chosen or automatic), whoever's faces join it.
   */
  async mergePeople(
    from: string[],
    into: string,
    opts: { name?: string | null; receipt?: EditReceipt } = {},
  ): Promise<TaskRecord> {
    const { people, edits } = this.deps;
    const task = this.deps.tasks.start('merge');
    try {
      this.edit('merge', opts.receipt, (snap) => {
        snap.cover(into);
        const cover = edits.chosenCoverOf(into) ?? people.coverFaceId(into);
        people.merge(from, into, ({ faceIds, personIds }) => {
          snap.person(...personIds).face(...faceIds);
        });
        if (opts.name !== undefined) people.update(into, { name: opts.name });
        if (cover !== null) edits.setCover(into, cover);
        return {
          value: null,
          summary: editSummary.merge(from.length + 1, this.nameOf(into)),
          personIds: [into, ...from],
        };
      });
      return this.deps.tasks.finish(task.id, 'succeeded');
    } catch (err) {
      this.deps.tasks.finish(task.id, 'failed', {
        code: err instanceof AlbumError ? err.code : 'internal',
        message: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
  }

  /** "Not this person" (local-only route). */
  async rejectFace(personId: string, faceId: string, receipt?: EditReceipt): Promise<void> {
    const id = Number(faceId);
    if (!Number.isInteger(id)) throw notFound('face', faceId);
    this.edit('not-this-person', receipt, (snap) => {
      const name = this.nameOf(personId);
      this.deps.people.rejectFace(personId, id, ({ faceIds, personIds }) => {
        snap.person(...personIds).face(...faceIds);
      });
      return { value: null, summary: editSummary.notThisPerson(name), personIds: [personId] };
    });
  }

  async listEdits(query: PageQuery): Promise<Page<Edit>> {
    return this.deps.editLog.list(query);
  }

  /** Puts the album back as it was before edit `id`; the next clustering pass then runs (faces may wait again). */
  async undoEdit(id: string): Promise<Edit> {
    this.editCount++;
    this.facesVersion++;
    const edit = this.deps.editLog.undo(id);
    this.deps.photos.bumpGeneration();
    return edit;
  }

  async listUnknownGroups(query: PageQuery): Promise<Page<UnknownGroupRecord>> {
    const page = this.deps.unknownFaces.groups(query);
    const faces = new Map(
      this.photoFaces(page.items.flatMap((g) => g.faceIds)).map((f) => [f.id, f] as const),
    );
    return {
      items: page.items.map((g) => ({
        id: g.id,
        size: g.size,
        faces: g.faceIds.map((id) => faces.get(String(id))).filter((f) => f !== undefined),
      })),
      nextCursor: page.nextCursor,
    };
  }

  async listUnknownGroupFaces(groupId: string, query: PageQuery): Promise<Page<PhotoFaceRecord>> {
    const page = this.deps.unknownFaces.groupFaceIds(groupId, query);
    return { items: this.photoFaces(page.items), nextCursor: page.nextCursor };
  }

  async listNotAFaces(query: PageQuery): Promise<Page<PhotoFaceRecord>> {
    const page = this.deps.unknownFaces.notAFaceIds(query);
    return { items: this.photoFaces(page.items), nextCursor: page.nextCursor };
  }

  async markNotAFace(faceIds: string[], notAFace: boolean, receipt?: EditReceipt): Promise<string[]> {
    const ids = faceIds.map((id) => this.faceIdOf(id));
    const written = this.edit(notAFace ? 'not-a-face' : 'is-a-face', receipt, (snap) => {
      const res = this.deps.unknownFaces.markNotAFace(ids, notAFace, ({ faceIds: touched, personIds }) => {
        snap.face(...touched).person(...personIds);
      });
      return { value: res, summary: editSummary.notAFace(new Set(ids).size, notAFace), personIds: res.left };
    });
    // Out of clustering or back in it: the next pass must run.
    this.deps.photos.bumpGeneration();
    return written.faceIds.map(String);
  }

  /** Faces with their photo's URI, in the order of `ids`. */
  private photoFaces(ids: number[]): PhotoFaceRecord[] {
    return this.deps.photos
      .facesByIds(ids)
      .map(({ photoId: _p, clusterable: _c, path, ...face }) => ({ ...face, uri: this.uriOf(path) }));
  }

  async getTask(id: string): Promise<TaskRecord | null> {
    return this.deps.tasks.get(id);
  }

  /** The indexed photo at `key` (null when not indexed), as of the latest write. */
  indexedPhoto(key: string): StoredPhoto | null {
    return this.photoLookups.get(key, () => this.deps.photos.photoByPath(key));
  }

  async getPhoto(uri: string): Promise<PhotoRecord | null> {
    const key = this.keyOf(uri);
    return this.reads.get(JSON.stringify(['photo', key]), () => {
      const photo = this.deps.photos.photoByPath(key);
      return photo ? this.photoRecords([photo])[0]! : null;
    });
  }

  async detectFaces(source: DetectSource): Promise<FaceRecord[]> {
    const analysis = await this.analyzeSource(source);
    return analysis.faces.map((f, i) => ({
      id: `detected-${i}`,
      personId: null,
      box: f.box,
      confidence: f.confidence,
      age: f.age,
      gender: f.gender,
      headPose: f.headPose,
      quality: f.quality,
      sharpness: f.sharpness,
      attributes: f.attributes,
    }));
  }

  /** Runs the engine on a stored photo or uploaded bytes; nothing is stored. */
  private async analyzeSource(source: DetectSource): Promise<AnalyzedPhoto> {
    let input: EngineInput;
    if (source.kind === 'uri') {
      const file = await this.deps.folder.resolveFile(this.keyOf(source.uri));
      if (!file.ok)
        throw file.reason === 'missing'
          ? notFound('photo', source.uri)
          : new AlbumError(
              file.reason === 'unreadable' ? 'forbidden' : 'bad_request',
              `${source.uri}: ${file.message}`,
            );
      input = { path: file.path };
    } else {
      input = { bytes: source.bytes };
    }
    const engine = await this.deps.engine();
    try {
      return await this.interactive.run(() => engine.analyze(input, { interactive: true }));
    } catch (err) {
      if (err instanceof EngineBusyError) throw busy(err);
      // Gone between the check above and the read (renamed, deleted): the photo is not there.
      if (err instanceof ImageRejectedError && err.reason === 'missing' && source.kind === 'uri')
        throw notFound('photo', source.uri);
      if (err instanceof ImageRejectedError)
        throw new AlbumError('bad_request', `image rejected (${err.reason}): ${err.message}`);
      throw err;
    }
  }

  readVersion(): string | null {
    if (this.deps.memoizeReads === false || this.deps.memoizeBodies === false) return null;
    return this.deps.photos.dataVersion();
  }

  /**
   * The kept part comes from the store; the queue is read live: indexing writes nothing until a photo is
   * done, so a kept answer would go on saying what the queue held when it was kept (bug: "0 queued").
   */
  async stats(): Promise<StatsRecord> {
    const ff = await this.videoSupport();
    const kept = this.reads.get('stats', () => this.statsNow(ff.ok ? null : ff.reason));
    return { ...kept, indexing: { ...kept.indexing, queued: this.indexing()?.queued ?? null } };
  }

  private statsNow(videoUnavailable: string | null): StatsRecord {
    const counts = this.deps.photos.counts();
    return {
      backend: 'local',
      photoCount: counts.photos,
      faceCount: counts.faces,
      personCount: this.deps.people.counts().people,
      lastClustering: this.deps.tasks.last('clustering'),
      indexing: { queued: null, refused: counts.rejected },
      videos: {
        indexed: counts.videos,
        refused: counts.rejectedVideos,
        unavailableReason: videoUnavailable,
      },
    };
  }

  /** No aggregation: the store's change counter and the queue's two sizes. */
  async changes(): Promise<ChangesRecord> {
    const indexing = this.indexing() ?? { queued: 0, running: 0 };
    return { generation: `${this.boot}.${this.deps.photos.dataVersion()}`, indexing };
  }

  /** Photos and videos as records; a video's appearances are `personId`'s spans (anyone's without one). */
  private photoRecords(photos: StoredPhoto[], personId?: string): PhotoRecord[] {
    const faces = this.deps.photos.facesOfPhotos(photos.map((p) => p.id));
    return photos.map((p) => {
      const stored = faces.get(p.id) ?? [];
      const record: PhotoRecord = {
        uri: this.uriOf(p.path),
        width: p.width,
        height: p.height,
        takenAt: p.takenAt,
        mediaType: p.mediaType,
        faces: stored.map(({ photoId: _p, clusterable: _c, spans: _s, ...face }) => face),
      };
      if (p.mediaType === 'video') {
        record.durationSeconds = p.durationSeconds;
        record.appearances = unionSpans(
          stored.filter((f) => personId === undefined || f.personId === personId).map((f) => f.spans ?? []),
        );
      }
      return record;
    });
  }
}

/** The engine's line is full: 429 with the gate's Retry-After (src/http/errors.ts sets the header). */
const busy = (err: EngineBusyError): AlbumError =>
  new AlbumError('too_many_requests', err.message, { retryAfterSeconds: err.retryAfterSeconds });

import type { AlbumConfig } from '../config/album-config';
import type { PhotoChange } from '../fc/oss-event';
import type { Logger } from '../log/logger';
import type { AlbumBackend, MediaLinks } from './backend';
import { type Capabilities, capabilitiesOf } from './capabilities';
import { isClusterable, unclusterableReasons } from './clusterable';
import { AlbumError, notFound } from './errors';
import { classifyPhotoKey, ossUri, parseOssUri } from './photo-filter';
import type {
  ChangesRecord,
  ClusteringRun,
  DetectSource,
  Edit,
  EditReceipt,
  Face,
  FaceRecord,
  FaceSearchResult,
  FaceTarget,
  Page,
  PageQuery,
  PeopleQuery,
  Person,
  PersonPatch,
  PersonPhotosQuery,
  PersonRecord,
  Photo,
  PhotoFace,
  PhotoFaceRecord,
  PhotoOutcome,
  PhotoRecord,
  PhotosWithPeopleQuery,
  SimilarPerson,
  StatsRecord,
  TaskRecord,
  UnknownGroup,
} from './types';

const unsupported = (what: string) =>
  new AlbumError('not_implemented', `${what} is not available on this backend (see GET /capabilities)`);

/** Batches per backend call; IMM's Batch* actions take at most 100 items. */
const BATCH = 100;

/** How many photos each outcome had: the figures of the indexer's one line per invocation. */
export function summarizeOutcomes(outcomes: PhotoOutcome[]) {
  const count = (f: (o: PhotoOutcome) => boolean) => outcomes.filter(f).length;
  return {
    indexed: count((o) => o.action === 'index' && (o.outcome === 'done' || o.outcome === 'submitted')),
    removed: count((o) => o.action === 'remove' && (o.outcome === 'done' || o.outcome === 'submitted')),
    unchanged: count((o) => o.outcome === 'unchanged'),
    rejected: count((o) => o.outcome === 'rejected'),
  };
}

/**
 * The album: what the three functions do, independent of FC, HTTP and the backend.
 * Reads go to the backend and come back in the public JSON shapes.
 */
export class AlbumService {
  constructor(
    readonly backend: AlbumBackend,
    private readonly media: MediaLinks,
    readonly config: AlbumConfig,
  ) {}

  /** Indexer: filters the changes to photos, then indexes/removes them in batches. Throws on transient backend failures. */
  async applyPhotoChanges(changes: PhotoChange[], log: Logger): Promise<PhotoOutcome[]> {
    // Last change per object wins: a created+removed pair in one delivery means "removed".
    const latest = new Map<string, PhotoChange>();
    for (const change of changes) {
      const verdict = classifyPhotoKey(change.key, this.config.photoPrefix);
      if (!verdict.accept) {
        log.info('photo.skipped', {
          bucket: change.bucket,
          key: change.key,
          ossEvent: change.eventName,
          reason: verdict.reason,
        });
        continue;
      }
      latest.set(ossUri(change.bucket, change.key), change);
    }
    const toIndex = [...latest].filter(([, c]) => c.kind === 'created').map(([uri]) => uri);
    const toRemove = [...latest].filter(([, c]) => c.kind === 'removed').map(([uri]) => uri);
    const outcomes: PhotoOutcome[] = [];
    for (let i = 0; i < toRemove.length; i += BATCH)
      outcomes.push(...(await this.backend.removePhotos(toRemove.slice(i, i + BATCH), log)));
    for (let i = 0; i < toIndex.length; i += BATCH)
      outcomes.push(...(await this.backend.indexPhotos(toIndex.slice(i, i + BATCH), log)));
    // One line per photo; a refused photo (corrupt, not an image, too large...) is a warning with its reason.
    for (const o of outcomes) (o.outcome === 'rejected' ? log.warn : log.info)(`photo.${o.action}`, { ...o });
    return outcomes;
  }

  async cluster(deadline: number, log: Logger): Promise<ClusteringRun> {
    const run = await this.backend.runClustering({ deadline, log });
    log.info(`clustering.${run.outcome}`, {
      reason: run.reason,
      taskId: run.task?.id,
      newPeople: run.newPeople,
      updatedPeople: run.updatedPeople,
    });
    return run;
  }

  async rejectFace(personId: string, faceId: string, receipt?: EditReceipt): Promise<void> {
    if (!this.backend.rejectFace) throw new AlbumError('not_found', 'this album cannot reject single faces');
    await this.backend.rejectFace(personId, faceId, receipt);
  }

  /**
   * Names the state every read answer is built from: the album's data and the links it would sign now.
   * Null when either cannot tell (IMM: no change counter), and then answers must not be kept.
   */
  readVersion(): string | null {
    const data = this.backend.readVersion?.() ?? null;
    const links = this.media.epoch?.() ?? null;
    return data === null || links === null ? null : `${data}\n${links}`;
  }

  async listPeople(query: PeopleQuery): Promise<Page<Person>> {
    const page = await this.backend.listPeople(query);
    return { items: page.items.map((p) => this.toPerson(p)), nextCursor: page.nextCursor };
  }

  async getPerson(id: string): Promise<Person> {
    const person = await this.backend.getPerson(id);
    if (!person) throw notFound('person', id);
    return this.toPerson(person);
  }

  /** A merged-away id lists the photos of the person it was merged into (as GET /people/:id answers). */
  async listPersonPhotos(id: string, query: PersonPhotosQuery): Promise<Page<Photo>> {
    this.checkAttributes(query.attributes);
    const person = await this.backend.getPerson(id);
    if (!person) throw notFound('person', id);
    const page = await this.backend.listPersonPhotos(person.id, query);
    return { items: page.items.map((p) => this.toPhoto(p)), nextCursor: page.nextCursor };
  }

  async listPhotosWithPeople(query: PhotosWithPeopleQuery): Promise<Page<Photo>> {
    const page = await this.backend.listPhotosWithPeople(query);
    return { items: page.items.map((p) => this.toPhoto(p)), nextCursor: page.nextCursor };
  }

  /** See AlbumBackend.refuseWhenBusy. */
  refuseWhenBusy(): void {
    this.backend.refuseWhenBusy?.();
  }

  async searchFaces(source: DetectSource): Promise<FaceSearchResult[]> {
    const found = await this.backend.searchFaces(source);
    return found.map((f) => ({
      box: f.box,
      matches: f.matches.map((m) => ({ person: this.toPerson(m.person), similarity: m.similarity })),
    }));
  }

  /** An attribute this backend never tells would filter everything out silently: refused instead. */
  private checkAttributes(filter: PersonPhotosQuery['attributes']): void {
    const told = new Set<string>(this.backend.faceAttributes);
    for (const name of Object.keys(filter ?? {}))
      if (!told.has(name))
        throw new AlbumError(
          'bad_request',
          `the ${this.backend.kind} backend does not tell the face attribute "${name}" (it tells: ${[...told].join(', ') || 'none'})`,
        );
  }

  async updatePerson(id: string, patch: PersonPatch, receipt?: EditReceipt): Promise<Person> {
    return this.toPerson(await this.backend.updatePerson(id, patch, receipt));
  }

  mergePeople(
    from: string[],
    into: string,
    opts: { name?: string | null; receipt?: EditReceipt } = {},
  ): Promise<TaskRecord> {
    return this.backend.mergePeople(from, into, opts);
  }

  listEdits(query: PageQuery): Promise<Page<Edit>> {
    if (!this.backend.listEdits) throw unsupported('the edit log');
    return this.backend.listEdits(query);
  }

  undoEdit(id: string): Promise<Edit> {
    if (!this.backend.undoEdit) throw unsupported('undo');
    return this.backend.undoEdit(id);
  }

  async listUnknownGroups(query: PageQuery): Promise<Page<UnknownGroup>> {
    if (!this.backend.listUnknownGroups) throw unsupported('unknown faces');
    const page = await this.backend.listUnknownGroups(query);
    return {
      items: page.items.map((g) => ({ ...g, faces: g.faces.map((f) => this.toPhotoFace(f)) })),
      nextCursor: page.nextCursor,
    };
  }

  async listUnknownGroupFaces(groupId: string, query: PageQuery): Promise<Page<PhotoFace>> {
    if (!this.backend.listUnknownGroupFaces) throw unsupported('unknown faces');
    const page = await this.backend.listUnknownGroupFaces(groupId, query);
    return { items: page.items.map((f) => this.toPhotoFace(f)), nextCursor: page.nextCursor };
  }

  async listNotAFaces(query: PageQuery): Promise<Page<PhotoFace>> {
    if (!this.backend.listNotAFaces) throw unsupported('"not a face" marks');
    const page = await this.backend.listNotAFaces(query);
    return { items: page.items.map((f) => this.toPhotoFace(f)), nextCursor: page.nextCursor };
  }

  assignFaces(faceIds: string[], target: FaceTarget, receipt?: EditReceipt): Promise<string> {
    if (!this.backend.assignFaces) throw unsupported('giving faces to a person');
    return this.backend.assignFaces(faceIds, target, receipt);
  }

  markNotAFace(faceIds: string[], notAFace: boolean, receipt?: EditReceipt): Promise<string[]> {
    if (!this.backend.markNotAFace) throw unsupported('"not a face" marks');
    return this.backend.markNotAFace(faceIds, notAFace, receipt);
  }

  changes(): Promise<ChangesRecord> {
    if (!this.backend.changes) throw unsupported('the change signal');
    return this.backend.changes();
  }

  async getTask(id: string): Promise<TaskRecord> {
    const task = await this.backend.getTask(id);
    if (!task) throw notFound('task', id);
    return task;
  }

  async getPhoto(uri: string): Promise<Photo> {
    const photo = await this.backend.getPhoto(uri);
    if (!photo) throw notFound('photo', uri);
    return this.toPhoto(photo);
  }

  async detect(source: DetectSource): Promise<Face[]> {
    const faces = await this.backend.detectFaces(source);
    const uri = source.kind === 'uri' ? source.uri : null;
    return faces.map((f) => this.toFace(f, uri));
  }

  stats(): Promise<StatsRecord> {
    return this.backend.stats();
  }

  capabilities(bucket: string): Capabilities {
    return capabilitiesOf(this.backend, { kind: 'bucket', bucket, prefix: this.config.photoPrefix });
  }

  async setCover(personId: string, faceId: string, receipt?: EditReceipt): Promise<Person> {
    if (!this.backend.setCover) throw unsupported('choosing a cover');
    return this.toPerson(await this.backend.setCover(personId, faceId, receipt));
  }

  async similarPeople(personId: string, limit: number): Promise<SimilarPerson[]> {
    if (!this.backend.similarPeople) throw unsupported('similar-people suggestions');
    const person = await this.backend.getPerson(personId);
    if (!person) throw notFound('person', personId);
    const similar = await this.backend.similarPeople(person.id, limit);
    return similar.map((s) => ({ person: this.toPerson(s.person), distance: s.distance }));
  }

  async assignFace(faceId: string, personId: string, receipt?: EditReceipt): Promise<void> {
    if (!this.backend.assignFace) throw unsupported('giving a face to a person');
    await this.backend.assignFace(faceId, personId, receipt);
  }

  /**
   * Accepts either a full `oss://bucket/key` URI or a bare key of the album's bucket. A library's album
   * (prefix mode) answers only for its own photos: a URI of another library or bucket is "not found"
   * before any backend call, so a token of one library can never have another library's photo read.
   */
  resolvePhotoUri(uriOrKey: string, bucket: string): string {
    const uri = parseOssUri(uriOrKey) ? uriOrKey : ossUri(bucket, uriOrKey.replace(/^\/+/, ''));
    if (this.config.libraryMode === 'prefix') {
      const at = parseOssUri(uri);
      if (at?.bucket !== bucket || !at.key.startsWith(this.config.photoPrefix))
        throw new AlbumError('not_found', `photo ${uriOrKey} is not in this library`);
    }
    return uri;
  }

  private toFace(face: FaceRecord, uri: string | null): Face {
    return {
      ...face,
      clusterable: isClusterable(face, this.config.clusterable),
      unclusterableReasons: unclusterableReasons(face, this.config.clusterable),
      faceUrl: uri ? this.media.faceUrl(uri, face.box, face.timeSeconds) : null,
    };
  }

  private toPhotoFace(face: PhotoFaceRecord): PhotoFace {
    return { ...this.toFace(face, face.uri), uri: face.uri, photoUrl: this.media.photoUrl(face.uri) };
  }

  private toPhoto(photo: PhotoRecord): Photo {
    const base = {
      uri: photo.uri,
      key: parseOssUri(photo.uri)?.key ?? photo.uri,
      width: photo.width,
      height: photo.height,
      takenAt: photo.takenAt,
      faces: photo.faces.map((f) => this.toFace(f, photo.uri)),
    };
    if (photo.mediaType === 'image')
      return { ...base, mediaType: 'image', photoUrl: this.media.photoUrl(photo.uri) };
    // A video's photoUrl is its poster, so anything that shows photoUrl as an image still works.
    return {
      ...base,
      mediaType: 'video',
      photoUrl: this.media.posterUrl(photo.uri),
      videoUrl: this.media.photoUrl(photo.uri),
      durationSeconds: photo.durationSeconds ?? null,
      appearances: photo.appearances ?? [],
    };
  }

  private toPerson(p: PersonRecord): Person {
    if (!p.cover) return { ...p, cover: null };
    const { timeSeconds, ...cover } = p.cover;
    const video = timeSeconds !== undefined;
    return {
      ...p,
      cover: {
        ...cover,
        photoUrl: video ? this.media.posterUrl(cover.uri) : this.media.photoUrl(cover.uri),
        faceUrl: cover.box ? this.media.faceUrl(cover.uri, cover.box, timeSeconds) : null,
      },
    };
  }
}

import { randomUUID } from 'node:crypto';
import type {
  Dataset,
  Figure,
  FigureCluster,
  ImmFile,
  Project,
  SimpleQueryNode,
  TaskInfo,
} from '../../src/imm/imm-wire';
import { type Params, WireError } from './fake-imm-wire';

/**
 * In-memory IMM: projects, datasets, files with Figures, figure clusters and tasks, with the
 * behaviour the album relies on (cloud-reference §1.7, §2):
 * - BatchIndexFileMeta/IndexFileMeta add files at once; their Figures come from `seedFaces`
 *   (FigureClusterId `figure-cluster-id-unavailable` until a clustering task ran).
 * - A clustering task groups figures by their hidden `identity` key when it completes: a new
 *   cluster needs clusterable faces (box > 75 px, |angles| < 30°, quality > 0.8) on ≥ 3 images;
 *   once a cluster exists, every face of that identity joins it; the rest become
 *   `figure-cluster-id-independent`.
 * - Deleting files updates clusters at once; a cluster with no images left is deleted.
 * - Merging moves From/Froms into To when the task completes.
 * - Tasks complete after `clusteringDelayMs` / `mergingDelayMs` (Infinity = stay Running until
 *   `completeTasks()`).
 */
export interface SeedFigure extends Partial<Figure> {
  /** Who this face really is; the fake clustering groups by it. Never sent on the wire. */
  identity?: string;
}

export interface SeedFile {
  figures: SeedFigure[];
  props?: Partial<ImmFile>;
}

/**
 * A video object as the fake knows it: what DetectMediaMeta reports, and who a frame captured at t shows
 * (CreateMediaConvertTask snapshots). Never sent on the wire as such.
 */
export interface SeedVideo {
  /** Seconds, as the container says (DetectMediaMeta `Duration`). */
  duration: number;
  width?: number;
  height?: number;
  /** VideoStreams[0].Rotate, e.g. "90" for a portrait phone clip. */
  rotate?: string;
  produceTime?: string;
  /** Audio only: DetectMediaMeta lists no video stream. */
  audioOnly?: boolean;
  /** DetectMediaMeta refuses it (corrupt, truncated, zero-length). */
  unreadable?: boolean;
  /** What the file really holds when the container claims more: no frame is written past it. */
  contentSeconds?: number;
  /** Faces on a frame captured at t: those whose span holds t. */
  appearances: { from: number; to: number; figure: SeedFigure }[];
  /** The frame-capture task fails with this code and message. */
  failCapture?: { code: string; message: string };
}

export interface FakeImmBehaviour {
  /** How long a CreateMediaConvertTask runs (Infinity: until completeTasks()). */
  mediaConvertDelayMs: number;
  clusteringDelayMs: number;
  mergingDelayMs: number;
  minImagesPerCluster: number;
  /**
   * TaskType the fake gives merging tasks. IMM does not document it (imm-facts §1), so GetTask
   * with any guess is answered ResourceNotFound; the album must find merges by their tags.
   */
  mergingTaskType: string;
  /** Timestamps come from here so tests can move time. */
  now: () => Date;
}

interface DatasetState {
  info: Dataset;
  files: Map<string, ImmFile>;
  clusters: Map<string, FigureCluster>;
  /** identity → cluster id (merges redirect identities to the surviving cluster). */
  identityCluster: Map<string, string>;
}

interface TaskState {
  info: TaskInfo;
  dataset: string;
  timer: NodeJS.Timeout | null;
  run: () => void;
}

const INDEPENDENT = 'figure-cluster-id-independent';
const UNAVAILABLE = 'figure-cluster-id-unavailable';

export const notFound = (what: string) =>
  new WireError(400, 'ResourceNotFound', `The specified resource ${what} is not found.`);
const invalid = (message: string) => new WireError(400, 'InvalidArgument', message);

const clone = <T>(v: T): T => structuredClone(v);

export class FakeImmState {
  readonly projects = new Map<string, Project>();
  readonly datasets = new Map<string, DatasetState>();
  readonly tasks = new Map<string, TaskState>();
  readonly seeds = new Map<string, SeedFile>();
  readonly videos = new Map<string, SeedVideo>();
  /** Called with the oss:// URI of every object a task writes (tests mirror it into the fake OSS). */
  readonly objectWritten: ((uri: string) => void)[] = [];
  /** FigureId → identity, for figures currently stored in some dataset. */
  private readonly identities = new Map<string, string>();
  private figureSeq = 0;

  constructor(readonly behaviour: FakeImmBehaviour) {}

  private iso(): string {
    return this.behaviour.now().toISOString();
  }

  seedFaces(uri: string, figures: SeedFigure[], props?: Partial<ImmFile>): void {
    this.seeds.set(uri, { figures, props });
  }

  seedVideo(uri: string, video: SeedVideo): void {
    this.videos.set(uri, video);
  }

  /**
   * A frame-capture task's work: each snapshot (one time, Number 1, its own object URI) of a readable source
   * is written, unless its time lies past what the file holds; a frame's faces come from the video's seed.
   */
  captureFrames(source: string, snapshots: { URI: string; StartTime?: number }[]): void {
    const video = this.videos.get(source);
    if (!video || video.unreadable || video.audioOnly)
      throw new WireError(400, 'InvalidFile', `The source ${source} is not a video IMM can decode.`);
    if (video.failCapture) throw new WireError(400, video.failCapture.code, video.failCapture.message);
    const holds = video.contentSeconds ?? video.duration;
    for (const snap of snapshots) {
      const t = snap.StartTime ?? 0;
      if (t >= holds) continue;
      const figures = video.appearances.filter((a) => a.from <= t && t <= a.to).map((a) => clone(a.figure));
      const upright = /^-?(90|270)$/.test(video.rotate ?? '');
      this.seedFaces(snap.URI, figures, {
        ImageWidth: (upright ? video.height : video.width) ?? 1920,
        ImageHeight: (upright ? video.width : video.height) ?? 1080,
      });
      for (const listener of this.objectWritten) listener(snap.URI);
    }
  }

  // ---- lookups ----

  project(name: string): Project {
    const p = this.projects.get(name);
    if (!p) throw notFound(`project ${name}`);
    return p;
  }

  dataset(projectName: string, datasetName: string): DatasetState {
    this.project(projectName);
    const d = this.datasets.get(`${projectName}/${datasetName}`);
    if (!d) throw notFound(`dataset ${datasetName}`);
    return d;
  }

  /** Figure identity of a stored figure (tests use it to check the album's people). */
  identityOf(figureId: string): string | undefined {
    return this.identities.get(figureId);
  }

  // ---- projects and datasets ----

  createProject(p: Params): Project {
    const name = String(p.ProjectName);
    if (!/^[A-Za-z_][\w-]{0,127}$/.test(name)) throw invalid('ProjectName is invalid.');
    if (this.projects.has(name))
      throw new WireError(400, 'ResourceAlreadyExists', `The project ${name} already exists.`);
    const now = this.iso();
    const project: Project = {
      ProjectName: name,
      ServiceRole: String(p.ServiceRole ?? 'AliyunIMMDefaultRole'),
      TemplateId: String(p.TemplateId ?? ''),
      Description: String(p.Description ?? ''),
      CreateTime: now,
      UpdateTime: now,
      DatasetCount: 0,
      FileCount: 0,
      TotalFileSize: 0,
      ProjectQueriesPerSecond: 100,
      EngineConcurrency: 100,
      ProjectMaxDatasetCount:
        p.ProjectMaxDatasetCount === undefined ? 1_000_000_000 : Number(p.ProjectMaxDatasetCount),
    };
    this.projects.set(name, project);
    return project;
  }

  createDataset(p: Params): Dataset {
    const project = this.project(String(p.ProjectName));
    const name = String(p.DatasetName);
    if (!/^[A-Za-z_][\w-]{0,127}$/.test(name)) throw invalid('DatasetName is invalid.');
    const key = `${project.ProjectName}/${name}`;
    if (this.datasets.has(key))
      throw new WireError(400, 'ResourceAlreadyExists', `The dataset ${name} already exists.`);
    // IMM's quota error (imm-facts §2); the exact code on this action is a guess.
    if ((project.DatasetCount ?? 0) >= (project.ProjectMaxDatasetCount ?? Infinity))
      throw new WireError(400, 'LimitExceededError', 'resource count exceeds the limit');
    const now = this.iso();
    const info: Dataset = {
      ProjectName: project.ProjectName,
      DatasetName: name,
      TemplateId: String(p.TemplateId ?? ''),
      Description: String(p.Description ?? ''),
      CreateTime: now,
      UpdateTime: now,
      BindCount: 0,
      FileCount: 0,
      TotalFileSize: 0,
    };
    this.datasets.set(key, { info, files: new Map(), clusters: new Map(), identityCluster: new Map() });
    project.DatasetCount = (project.DatasetCount ?? 0) + 1;
    return info;
  }

  datasetInfo(d: DatasetState): Dataset {
    let size = 0;
    for (const f of d.files.values()) size += f.Size ?? 0;
    return { ...d.info, FileCount: d.files.size, TotalFileSize: size };
  }

  // ---- files ----

  indexFiles(d: DatasetState, inputs: unknown[]): void {
    for (const input of inputs) {
      const uri = (input as { URI?: unknown })?.URI;
      if (typeof uri !== 'string' || !/^oss:\/\/[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\/.+/s.test(uri)) {
        throw invalid(`File.URI "${String(uri)}" is not a valid OSS URI (oss://bucket/object).`);
      }
    }
    const now = this.iso();
    for (const input of inputs as { URI: string; CustomLabels?: Record<string, string> }[]) {
      const seed = this.seeds.get(input.URI);
      const previous = d.files.get(input.URI);
      if (previous) this.forgetFigures(previous);
      const figures: Figure[] = (seed?.figures ?? []).map((s) => {
        const { identity, ...wire } = s;
        const id = wire.FigureId ?? `Figure-${++this.figureSeq}-${randomUUID().slice(0, 8)}`;
        if (identity) this.identities.set(id, identity);
        return {
          FigureType: 'face',
          FigureConfidence: 0.99,
          ...clone(wire),
          FigureId: id,
          FigureClusterId: UNAVAILABLE,
        };
      });
      const key = input.URI.replace(/^oss:\/\/[^/]+\//, '');
      d.files.set(input.URI, {
        URI: input.URI,
        ObjectId: randomUUID(),
        ObjectType: 'file',
        ObjectStatus: 'Indexed',
        ProjectName: d.info.ProjectName,
        DatasetName: d.info.DatasetName,
        Filename: key.split('/').pop(),
        Size: 100_000,
        ContentType: 'image/jpeg',
        MediaType: 'image',
        ImageWidth: 1000,
        ImageHeight: 800,
        CustomLabels: input.CustomLabels ?? {},
        ...clone(seed?.props ?? {}),
        FigureCount: figures.length,
        Figures: figures,
        CreateTime: previous?.CreateTime ?? now,
        UpdateTime: now,
      });
    }
    d.info.UpdateTime = now;
  }

  deleteFiles(d: DatasetState, uris: string[]): void {
    let changed = false;
    for (const uri of uris) {
      const file = d.files.get(uri);
      if (!file) continue; // deleting an absent URI succeeds, like IMM
      this.forgetFigures(file);
      d.files.delete(uri);
      changed = true;
    }
    if (changed) {
      d.info.UpdateTime = this.iso();
      this.refreshClusters(d, new Set(d.clusters.keys()));
    }
  }

  private forgetFigures(file: ImmFile): void {
    for (const f of file.Figures ?? []) if (f.FigureId) this.identities.delete(f.FigureId);
  }

  // ---- clustering ----

  isClusterable(f: Figure): boolean {
    const b = f.Boundary;
    const h = f.HeadPose;
    if (!b || b.Width <= 75 || b.Height <= 75 || !h) return false;
    if (Math.abs(h.Pitch) >= 30 || Math.abs(h.Roll) >= 30 || Math.abs(h.Yaw) >= 30) return false;
    return (f.FaceQuality ?? 0) > 0.8;
  }

  cluster(d: DatasetState): void {
    const byIdentity = new Map<string, { uri: string; figure: Figure }[]>();
    for (const [uri, file] of d.files) {
      for (const figure of file.Figures ?? []) {
        const identity = figure.FigureId ? this.identities.get(figure.FigureId) : undefined;
        if (!identity) {
          if (figure.FigureClusterId === UNAVAILABLE) figure.FigureClusterId = INDEPENDENT;
          continue;
        }
        const list = byIdentity.get(identity) ?? [];
        list.push({ uri, figure });
        byIdentity.set(identity, list);
      }
    }
    const touched = new Set<string>();
    for (const [identity, list] of byIdentity) {
      let clusterId = d.identityCluster.get(identity);
      if (clusterId && !d.clusters.has(clusterId)) {
        d.identityCluster.delete(identity);
        clusterId = undefined;
      }
      if (!clusterId) {
        const goodImages = new Set(list.filter((x) => this.isClusterable(x.figure)).map((x) => x.uri));
        if (goodImages.size >= this.behaviour.minImagesPerCluster) {
          clusterId = `Cluster-${randomUUID()}`;
          const now = this.iso();
          d.clusters.set(clusterId, {
            ObjectId: clusterId,
            ObjectType: 'figure-cluster',
            Name: '',
            CustomId: '',
            CustomLabels: {},
            MetaLockVersion: 0,
            CreateTime: now,
            UpdateTime: now,
            ProjectName: d.info.ProjectName,
            DatasetName: d.info.DatasetName,
            FaceCount: 0,
            ImageCount: 0,
            VideoCount: 0,
          });
          d.identityCluster.set(identity, clusterId);
        }
      }
      for (const { figure } of list) {
        const target = clusterId ?? INDEPENDENT;
        if (figure.FigureClusterId !== target) {
          if (figure.FigureClusterId && d.clusters.has(figure.FigureClusterId))
            touched.add(figure.FigureClusterId);
          figure.FigureClusterId = target;
          if (clusterId) touched.add(clusterId);
        }
      }
    }
    this.refreshClusters(d, touched);
  }

  /** Recomputes counts/cover/age/gender; bumps UpdateTime when they change; drops empty clusters. */
  refreshClusters(d: DatasetState, ids: Set<string>): void {
    const now = this.iso();
    for (const id of ids) {
      const c = d.clusters.get(id);
      if (!c) continue;
      const members: { file: ImmFile; figure: Figure }[] = [];
      for (const file of d.files.values())
        for (const figure of file.Figures ?? [])
          if (figure.FigureClusterId === id) members.push({ file, figure });
      if (!members.length) {
        d.clusters.delete(id);
        for (const [identity, cid] of d.identityCluster) if (cid === id) d.identityCluster.delete(identity);
        continue;
      }
      const images = new Set(members.map((m) => m.file.URI));
      const ages = members.map((m) => m.figure.Age).filter((a): a is number => typeof a === 'number');
      const males = members.filter((m) => m.figure.Gender === 'male').length;
      const females = members.filter((m) => m.figure.Gender === 'female').length;
      const coverUri = c.Cover?.URI && images.has(c.Cover.URI) ? c.Cover.URI : members[0]!.file.URI;
      const next: Partial<FigureCluster> = {
        FaceCount: members.length,
        ImageCount: images.size,
        VideoCount: 0,
        Gender: males || females ? (males >= females ? 'male' : 'female') : '',
        AverageAge: ages.length ? Math.round((ages.reduce((a, b) => a + b, 0) / ages.length) * 10) / 10 : 0,
        MinAge: ages.length ? Math.min(...ages) : 0,
        MaxAge: ages.length ? Math.max(...ages) : 0,
      };
      const changed =
        Object.entries(next).some(([k, v]) => (c as unknown as Record<string, unknown>)[k] !== v) ||
        coverUri !== c.Cover?.URI;
      Object.assign(c, next);
      c.Cover = clone(d.files.get(coverUri)!);
      if (changed) c.UpdateTime = now;
    }
  }

  merge(d: DatasetState, froms: string[], to: string): void {
    const target = d.clusters.get(to);
    if (!target) throw notFound(`figure cluster ${to}`);
    for (const from of froms) {
      if (!d.clusters.has(from)) throw notFound(`figure cluster ${from}`);
      for (const file of d.files.values())
        for (const f of file.Figures ?? []) if (f.FigureClusterId === from) f.FigureClusterId = to;
      for (const [identity, cid] of d.identityCluster) if (cid === from) d.identityCluster.set(identity, to);
      d.clusters.delete(from);
    }
    target.UpdateTime = this.iso();
    this.refreshClusters(d, new Set([to]));
  }

  // ---- tasks ----

  startTask(
    type: string,
    projectName: string,
    datasetName: string,
    tags: Record<string, string>,
    userData: string | undefined,
    delayMs: number,
    run: () => void,
  ): TaskInfo {
    const taskId = `${type}-${randomUUID()}`;
    const info: TaskInfo = {
      TaskId: taskId,
      TaskType: type,
      Status: 'Running',
      Code: '',
      Message: '',
      StartTime: this.iso(),
      EndTime: '',
      Tags: tags,
      UserData: userData ?? '',
      ProjectName: projectName,
      EventId: randomUUID().toUpperCase(),
    };
    const state: TaskState = { info, dataset: datasetName, timer: null, run };
    this.tasks.set(taskId, state);
    if (Number.isFinite(delayMs)) {
      state.timer = setTimeout(() => this.finish(state), Math.max(0, delayMs));
      state.timer.unref?.();
    }
    return info;
  }

  private finish(state: TaskState): void {
    if (state.info.Status !== 'Running') return;
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    try {
      state.run();
      state.info.Status = 'Succeeded';
    } catch (err) {
      state.info.Status = 'Failed';
      state.info.Code = err instanceof WireError ? err.code : 'InternalError';
      state.info.Message = err instanceof Error ? err.message : String(err);
    }
    state.info.EndTime = this.iso();
  }

  /** Completes every running task now (for tests that hold tasks with Infinity delays). */
  completeTasks(): void {
    for (const t of this.tasks.values()) this.finish(t);
  }

  /** Marks a running task Failed with the given code (simulates an IMM-side failure). */
  failTask(taskId: string, code = 'InternalError', message = 'task failed'): void {
    const t = this.tasks.get(taskId);
    if (t?.info.Status !== 'Running') return;
    if (t.timer) clearTimeout(t.timer);
    t.info.Status = 'Failed';
    t.info.Code = code;
    t.info.Message = message;
    t.info.EndTime = this.iso();
  }

  stopTimers(): void {
    for (const t of this.tasks.values()) if (t.timer) clearTimeout(t.timer);
  }
}

// ---- query helpers (SimpleQuery, QueryFigureClusters, ListTasks) ----

/** Values at a dotted path; arrays fan out (`Figures.FigureClusterId` → one value per figure). */
export function valuesAt(obj: unknown, path: string): unknown[] {
  let current: unknown[] = [obj];
  for (const part of path.split('.')) {
    const next: unknown[] = [];
    for (const v of current) {
      const x = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
      if (Array.isArray(x)) next.push(...x);
      else if (x !== undefined) next.push(x);
    }
    current = next;
  }
  return current;
}

export function matches(file: unknown, q: SimpleQueryNode | undefined): boolean {
  if (!q) return true;
  const sub = q.SubQueries ?? [];
  switch (q.Operation) {
    case 'and':
      return sub.every((s) => matches(file, s));
    case 'or':
      return sub.some((s) => matches(file, s));
    case 'not':
      return !sub.some((s) => matches(file, s));
    case 'nested': {
      // Sub-queries hold for one and the same element of the array at Field (sub-fields named in full,
      // e.g. Figures.FigureClusterId under Field Figures: a guess at IMM's spelling, see README).
      if (!q.Field) throw invalid('Query.Field is required for nested.');
      const field = q.Field;
      return valuesAt(file, field).some((element) => sub.every((s) => matches({ [field]: element }, s)));
    }
    default:
      break;
  }
  if (!q.Field) throw invalid('Query.Field is required.');
  const values = valuesAt(file, q.Field);
  const want = q.Value ?? '';
  // Range operators compare numbers, or instants when the value is a date (ProduceTime, CreateTime…).
  const asDate = Number.isNaN(Number(want)) && !Number.isNaN(Date.parse(want));
  const n = asDate ? Date.parse(want) : Number(want);
  const num = (v: unknown) => (asDate ? Date.parse(String(v)) : Number(v));
  switch (q.Operation) {
    case 'eq':
      return values.some((v) => String(v) === want);
    case 'prefix':
      return values.some((v) => String(v).startsWith(want));
    case 'exist':
      return values.length > 0;
    case 'gt':
      return values.some((v) => num(v) > n);
    case 'gte':
      return values.some((v) => num(v) >= n);
    case 'lt':
      return values.some((v) => num(v) < n);
    case 'lte':
      return values.some((v) => num(v) <= n);
    default:
      throw invalid(`Query.Operation ${q.Operation} is not supported.`);
  }
}

export function inRange(value: string | undefined, range: unknown): boolean {
  if (!range) return true;
  const r = range as { Start?: string; End?: string };
  const t = Date.parse(value ?? '');
  if (Number.isNaN(t)) return false;
  if (r.Start && t < Date.parse(r.Start)) return false;
  if (r.End && t > Date.parse(r.End)) return false;
  return true;
}

/** NextToken is an opaque offset, empty on the last page (like IMM). */
export function paginate<T>(items: T[], maxResults: number, nextToken: unknown): { page: T[]; next: string } {
  let start = 0;
  if (typeof nextToken === 'string' && nextToken) {
    const decoded = Number(
      Buffer.from(nextToken, 'base64url')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(decoded) || decoded < 0)
      throw new WireError(400, 'InvalidArgument', 'NextToken is invalid.');
    start = decoded;
  }
  const page = items.slice(start, start + maxResults);
  const end = start + page.length;
  return { page, next: end < items.length ? Buffer.from(`offset:${end}`).toString('base64url') : '' };
}

export function pick<T extends object>(obj: T, fields: string[] | undefined): Partial<T> {
  if (!fields?.length) return obj;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in obj) out[f] = (obj as Record<string, unknown>)[f];
  return out as Partial<T>;
}

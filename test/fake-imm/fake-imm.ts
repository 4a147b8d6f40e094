import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FigureCluster, ImmFile, TaskInfo } from '../../src/imm/imm-wire';
import { mulberry32 } from '../support/synthetic-faces';
import {
  type FakeImmBehaviour,
  FakeImmState,
  inRange,
  matches,
  notFound,
  paginate,
  pick,
  type SeedFigure,
  type SeedVideo,
  valuesAt,
} from './fake-imm-state';
import { type Params, parseParams, WireError } from './fake-imm-wire';

/**
 * A fake IMM 2020-09-30 endpoint on 127.0.0.1 for tests (see README.md next to this file).
 *
 *   const fake = await startFakeImm();
 *   process.env.IMM_ENDPOINT = fake.endpoint;          // http://127.0.0.1:PORT
 *   fake.state.createProject({ ProjectName: 'p' });    // or let the album auto-create
 *   fake.seedFaces('oss://bucket/photos/a.jpg', [{ identity: 'alice', Boundary: {...}, HeadPose: {...}, FaceQuality: 0.95 }]);
 *   fake.failNext('BatchIndexFileMeta', 2);            // two 429 Throttling answers, then normal
 *   fake.requests                                      // every request, parsed, with the status answered
 *   await fake.close();
 *
 * Wire checks (answered with IMM-style 400s): POST, path `/`, `x-acs-action` naming a known
 * action, `x-acs-version: 2020-09-30`, an ACS3 `authorization` header, every parameter in the
 * query string, complex fields JSON-encoded, required parameters present, no unknown keys.
 */
export interface Fault {
  status?: number;
  code?: string;
  message?: string;
  /** Delay before answering, in ms (for timeout/deadline tests). */
  delayMs?: number;
}

export interface RecordedRequest {
  action: string;
  version: string | undefined;
  method: string;
  path: string;
  /** Raw query values as sent (JSON fields still strings). */
  query: Record<string, string>;
  /** Parsed parameters (JSON decoded), when the request passed the wire checks. */
  params: Params | null;
  headers: Record<string, string | string[] | undefined>;
  bodyLength: number;
  status: number;
  code: string | null;
  /** Epoch ms when the request arrived. */
  at: number;
}

/**
 * Random faults on a share of all calls, like a busy IMM behind a flaky network: throttling as
 * IMM sends it (HTTP 400 `Throttling.User`, or the flow-control message under another code),
 * 5xx, and connections reset before any answer. Seeded, so a failing run can be replayed.
 */
export interface RandomFaults {
  rate: number;
  seed?: number;
  kinds?: ('throttling' | 'flow-control-message' | 'server-error' | 'reset')[];
}

export interface FakeImmOptions extends Partial<FakeImmBehaviour> {
  /** Project/dataset to create at start (saves every test the auto-create dance). */
  project?: string;
  dataset?: string;
}

export interface FakeImm {
  endpoint: string;
  state: FakeImmState;
  seedFaces(uri: string, figures: SeedFigure[], props?: Partial<ImmFile>): void;
  /** A video object: what DetectMediaMeta says of it and who its frames show (see SeedVideo). */
  seedVideo(uri: string, video: SeedVideo): void;
  /** `listener` hears the oss:// URI of every object a task writes (frames), e.g. to add it to a fake OSS. */
  onObjectWritten(listener: (uri: string) => void): void;
  /** Answer the next `count` calls of `action` ('*' = any) with a fault (default 429 Throttling.User). */
  failNext(action: string, count: number, fault?: Fault): void;
  /** Drops every pending fault (and the random faults). */
  clearFaults(): void;
  /** Fails a random share of every later call (null turns it off). */
  randomFaults(faults: RandomFaults | null): void;
  /** How many random faults of each kind were injected so far. */
  injected: Record<string, number>;
  requests: RecordedRequest[];
  requestsFor(action: string): RecordedRequest[];
  close(): Promise<void>;
}

/** What IMM answers when throttling (imm-facts §2: HTTP 400, not 429). */
const THROTTLED: Required<Omit<Fault, 'delayMs'>> = {
  status: 400,
  code: 'Throttling.User',
  message: 'Request was denied due to user flow control.',
};

const OSS_URI = /^oss:\/\/[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\/.+/;

function pd(p: Params): [string, string] {
  return [String(p.ProjectName), String(p.DatasetName)];
}

function sortBy<T>(items: T[], key: (t: T) => string | number | undefined, order: unknown): T[] {
  const dir = order === 'desc' ? -1 : 1;
  return [...items].sort((a, b) => {
    const x = key(a) ?? '';
    const y = key(b) ?? '';
    return (x < y ? -1 : x > y ? 1 : 0) * dir;
  });
}

function maxResults(p: Params, max = 100): number {
  const m = p.MaxResults === undefined ? 100 : Number(p.MaxResults);
  if (m < 0 || m > max)
    throw new WireError(400, 'InvalidArgument', `MaxResults must be between 0 and ${max}.`);
  return m === 0 ? 100 : m;
}

const CLUSTER_SORT: Record<string, (c: FigureCluster) => string | number | undefined> = {
  ImageCount: (c) => c.ImageCount,
  VideoCount: (c) => c.VideoCount,
  FaceCount: (c) => c.FaceCount,
  CreateTime: (c) => Date.parse(c.CreateTime ?? ''),
  UpdateTime: (c) => Date.parse(c.UpdateTime ?? ''),
  Gender: (c) => c.Gender,
  // The Chinese enum names the group-name key `Name`; the English "GroupName" is a title (imm-facts §3).
  Name: (c) => c.Name ?? '',
  ProjectName: (c) => c.ProjectName,
  DatasetName: (c) => c.DatasetName,
};

/** The action handlers: parameters already wire-checked; return the body minus RequestId. */
function actions(state: FakeImmState): Record<string, (p: Params) => Record<string, unknown>> {
  const b = state.behaviour;
  return {
    CreateProject: (p) => ({ Project: state.createProject(p) }),
    GetProject: (p) => ({ Project: state.project(String(p.ProjectName)) }),
    CreateDataset: (p) => ({ Dataset: state.createDataset(p) }),
    GetDataset: (p) => ({ Dataset: state.datasetInfo(state.dataset(...pd(p))) }),
    // Name order, MaxResults 0–200 (0 = 100); listed FileCount/TotalFileSize are not statistics (IMM: may be 0).
    ListDatasets: (p) => {
      const project = state.project(String(p.ProjectName)).ProjectName;
      const prefix = typeof p.Prefix === 'string' ? p.Prefix : '';
      const names = [...state.datasets.values()]
        .map((d) => d.info)
        .filter((d) => d.ProjectName === project && d.DatasetName.startsWith(prefix))
        .sort((a, b) => (a.DatasetName < b.DatasetName ? -1 : a.DatasetName > b.DatasetName ? 1 : 0));
      const { page, next } = paginate(names, maxResults(p, 200), p.NextToken);
      return { Datasets: page.map((d) => ({ ...d, FileCount: 0, TotalFileSize: 0 })), NextToken: next };
    },
    IndexFileMeta: (p) => {
      state.indexFiles(state.dataset(...pd(p)), [p.File]);
      return { EventId: randomUUID().toUpperCase() };
    },
    BatchIndexFileMeta: (p) => {
      const files = p.Files as unknown[];
      if (!files.length || files.length > 100)
        throw new WireError(400, 'InvalidArgument', 'Files must hold 1 to 100 items.');
      state.indexFiles(state.dataset(...pd(p)), files);
      return { EventId: randomUUID().toUpperCase() };
    },
    DeleteFileMeta: (p) => {
      state.deleteFiles(state.dataset(...pd(p)), [String(p.URI)]);
      return {};
    },
    BatchDeleteFileMeta: (p) => {
      const uris = p.URIs as unknown[];
      if (!uris.length || uris.length > 100 || uris.some((u) => typeof u !== 'string'))
        throw new WireError(400, 'InvalidArgument', 'URIs must hold 1 to 100 strings.');
      state.deleteFiles(state.dataset(...pd(p)), uris as string[]);
      return {};
    },
    GetFileMeta: (p) => {
      const file = state.dataset(...pd(p)).files.get(String(p.URI));
      if (!file) throw notFound(`file ${String(p.URI)}`);
      return { Files: [pick(structuredClone(file), p.WithFields as string[] | undefined)] };
    },
    DetectImageFaces: (p) => {
      state.project(String(p.ProjectName));
      const seed = state.seeds.get(String(p.SourceURI));
      if (!seed)
        throw new WireError(400, 'ResourceNotFound', `The file ${String(p.SourceURI)} does not exist.`);
      return {
        Faces: seed.figures.map(({ identity: _identity, FigureClusterId: _c, ...f }, i) => ({
          FigureId: `detect-${i}`,
          FigureType: 'face',
          ...structuredClone(f),
        })),
      };
    },
    DetectMediaMeta: (p) => {
      state.project(String(p.ProjectName));
      const uri = String(p.SourceURI);
      const v = state.videos.get(uri);
      // IMM's answer for a missing or non-media object is not documented; a 400 is the fake's guess.
      if (!v) throw new WireError(400, 'InvalidArgument', `The file ${uri} does not exist or is not media.`);
      if (v.unreadable) throw new WireError(400, 'InvalidFile', `The media file ${uri} cannot be parsed.`);
      const width = v.width ?? 1920;
      const height = v.height ?? 1080;
      return {
        Duration: v.duration,
        FormatName: 'mov,mp4,m4a,3gp,3g2,mj2',
        Size: 1_000_000,
        ...(v.produceTime ? { ProduceTime: v.produceTime } : {}),
        ...(v.audioOnly ? {} : { VideoWidth: width, VideoHeight: height }),
        VideoStreams: v.audioOnly
          ? []
          : [
              {
                Index: 0,
                CodecName: 'h264',
                Width: width,
                Height: height,
                Duration: v.duration,
                ...(v.rotate ? { Rotate: v.rotate } : {}),
              },
            ],
        AudioStreams: [{ Index: 1, CodecName: 'aac' }],
      };
    },
    CreateMediaConvertTask: (p) => {
      const project = state.project(String(p.ProjectName)).ProjectName;
      const sources = p.Sources as { URI?: unknown }[];
      if (!sources.length || sources.length > 11)
        throw new WireError(400, 'InvalidArgument', 'Sources must hold 1 to 11 media files.');
      for (const s of sources)
        if (typeof s?.URI !== 'string' || !OSS_URI.test(s.URI))
          throw new WireError(400, 'InvalidArgument', 'Sources.URI must be oss://bucket/object.');
      const targets = (p.Targets ?? []) as {
        Container?: unknown;
        URI?: unknown;
        Image?: { Snapshots?: { Format?: unknown; URI?: unknown; StartTime?: unknown; Number?: unknown }[] };
      }[];
      if (!targets.length && !p.TargetGroups)
        throw new WireError(400, 'InvalidArgument', 'Targets or TargetGroups is required.');
      const snapshots: { URI: string; StartTime?: number }[] = [];
      for (const t of targets) {
        // "The Container and URI parameters must be set together" (CreateMediaConvertTaskRequestTargets).
        if ((t.Container === undefined) !== (t.URI === undefined))
          throw new WireError(
            400,
            'InvalidArgument',
            'Targets.Container and Targets.URI must be set together.',
          );
        for (const snap of t.Image?.Snapshots ?? []) {
          if (snap.Format !== 'jpg' && snap.Format !== 'png')
            throw new WireError(400, 'InvalidArgument', 'Snapshots.Format must be jpg or png.');
          if (typeof snap.URI !== 'string' || !OSS_URI.test(snap.URI))
            throw new WireError(400, 'InvalidArgument', 'Snapshots.URI must be oss://bucket/object.');
          if (snap.StartTime !== undefined && (typeof snap.StartTime !== 'number' || snap.StartTime < 0))
            throw new WireError(400, 'InvalidArgument', 'Snapshots.StartTime must be a number of seconds.');
          snapshots.push({
            URI: snap.URI,
            ...(typeof snap.StartTime === 'number' ? { StartTime: snap.StartTime } : {}),
          });
        }
      }
      const source = String(sources[0]!.URI);
      const info = state.startTask(
        'MediaConvert',
        project,
        '',
        (p.Tags as Record<string, string>) ?? {},
        p.UserData as string | undefined,
        b.mediaConvertDelayMs,
        () => state.captureFrames(source, snapshots),
      );
      return { TaskId: info.TaskId, EventId: info.EventId };
    },
    // The clusters the seeded faces of an image belong to (by the hidden identity), Similarity 0.9; a face of
    // no cluster gives no entry. Nothing is indexed.
    SearchImageFigureCluster: (p) => {
      const d = state.dataset(...pd(p));
      const seed = state.seeds.get(String(p.SourceURI));
      if (!seed)
        throw new WireError(400, 'ResourceNotFound', `The file ${String(p.SourceURI)} does not exist.`);
      const clusters: Record<string, unknown>[] = [];
      for (const f of seed.figures) {
        const id = f.identity === undefined ? undefined : d.identityCluster.get(f.identity);
        const cluster = id === undefined ? undefined : d.clusters.get(id);
        if (cluster)
          clusters.push({
            ClusterId: cluster.ObjectId,
            Similarity: 0.9,
            Boundary: structuredClone(f.Boundary),
          });
      }
      return { Clusters: clusters };
    },
    CreateFigureClusteringTask: (p) => {
      const [project, dataset] = pd(p);
      const d = state.dataset(project, dataset);
      const info = state.startTask(
        'FaceClustering',
        project,
        dataset,
        (p.Tags as Record<string, string>) ?? {},
        p.UserData as string | undefined,
        b.clusteringDelayMs,
        () => state.cluster(d),
      );
      return { TaskId: info.TaskId, EventId: info.EventId };
    },
    CreateFigureClustersMergingTask: (p) => {
      const [project, dataset] = pd(p);
      const d = state.dataset(project, dataset);
      if ((p.From === undefined) === (p.Froms === undefined))
        throw new WireError(400, 'InvalidArgument', 'Exactly one of From and Froms must be set.');
      const froms = p.From !== undefined ? [String(p.From)] : (p.Froms as unknown[]).map(String);
      if (!froms.length || froms.length > 100)
        throw new WireError(400, 'InvalidArgument', 'Froms must hold 1 to 100 ids.');
      const to = String(p.To);
      for (const id of [to, ...froms]) if (!d.clusters.has(id)) throw notFound(`figure cluster ${id}`);
      const info = state.startTask(
        b.mergingTaskType,
        project,
        dataset,
        (p.Tags as Record<string, string>) ?? {},
        p.UserData as string | undefined,
        b.mergingDelayMs,
        () => state.merge(d, froms, to),
      );
      return { TaskId: info.TaskId, EventId: info.EventId };
    },
    GetTask: (p) => {
      const t = state.tasks.get(String(p.TaskId));
      if (!t || t.info.ProjectName !== p.ProjectName || t.info.TaskType !== p.TaskType)
        throw notFound(`task ${String(p.TaskId)}`);
      return { ...structuredClone(t.info) };
    },
    ListTasks: (p) => {
      state.project(String(p.ProjectName));
      const types = p.TaskTypes as string[] | undefined;
      const selector = typeof p.TagSelector === 'string' && p.TagSelector ? p.TagSelector.split('=') : null;
      let tasks = [...state.tasks.values()]
        .map((t) => t.info)
        .filter(
          (t) =>
            t.ProjectName === p.ProjectName &&
            (!types?.length || types.includes(t.TaskType ?? '')) &&
            (!p.Status || t.Status === p.Status) &&
            (!selector || t.Tags?.[selector[0]!] === selector.slice(1).join('=')) &&
            inRange(t.StartTime, p.StartTimeRange) &&
            (!p.EndTimeRange || inRange(t.EndTime, p.EndTimeRange)),
        );
      const sort = String(p.Sort ?? 'TaskId');
      if (!['TaskId', 'StartTime', 'EndTime'].includes(sort))
        throw new WireError(400, 'InvalidArgument', `Sort ${sort} is not supported.`);
      // Ties on time fall back to creation order so "newest first" is stable within one millisecond.
      const seq = new Map([...state.tasks.keys()].map((id, i) => [id, i]));
      tasks = sortBy(
        tasks,
        (t: TaskInfo) =>
          sort === 'TaskId'
            ? t.TaskId
            : `${String(Date.parse((sort === 'StartTime' ? t.StartTime : t.EndTime) ?? '') || 0).padStart(15, '0')}:${String(seq.get(t.TaskId)).padStart(8, '0')}`,
        p.Order,
      );
      const m = maxResults(p);
      const { page, next } = paginate(tasks, m, p.NextToken);
      return {
        Tasks: structuredClone(page),
        NextToken: next,
        MaxResults: String(m),
        ProjectName: p.ProjectName,
      };
    },
    QueryFigureClusters: (p) => {
      const d = state.dataset(...pd(p));
      let clusters = [...d.clusters.values()];
      if (typeof p.CustomLabels === 'string' && p.CustomLabels) {
        const [k, ...rest] = p.CustomLabels.split('=');
        const v = rest.join('=');
        // IMM documents CustomLabels keys/values as case-insensitive.
        clusters = clusters.filter((c) =>
          Object.entries(c.CustomLabels ?? {}).some(
            ([ck, cv]) => ck.toLowerCase() === k!.toLowerCase() && cv.toLowerCase() === v.toLowerCase(),
          ),
        );
      }
      clusters = clusters.filter(
        (c) => inRange(c.CreateTime, p.CreateTimeRange) && inRange(c.UpdateTime, p.UpdateTimeRange),
      );
      const sort = p.Sort === undefined ? null : String(p.Sort);
      if (sort && !CLUSTER_SORT[sort])
        throw new WireError(400, 'InvalidArgument', `Sort ${sort} is not supported.`);
      clusters = sortBy(
        sortBy(clusters, (c) => c.ObjectId, 'asc'),
        sort ? CLUSTER_SORT[sort]! : (c) => c.ObjectId,
        p.Order,
      );
      const { page, next } = paginate(clusters, maxResults(p), p.NextToken);
      return {
        FigureClusters: structuredClone(page),
        NextToken: next,
        ...(p.WithTotalCount ? { TotalCount: clusters.length } : {}),
      };
    },
    GetFigureCluster: (p) => {
      const c = state.dataset(...pd(p)).clusters.get(String(p.ObjectId));
      if (!c) throw notFound(`figure cluster ${String(p.ObjectId)}`);
      return { FigureCluster: structuredClone(c) };
    },
    UpdateFigureCluster: (p) => {
      const d = state.dataset(...pd(p));
      const u = p.FigureCluster as Partial<FigureCluster> & { Cover?: { Figures?: { FigureId: string }[] } };
      if (!u.ObjectId)
        throw new WireError(400, 'MissingFigureCluster.ObjectId', 'FigureCluster.ObjectId is required.');
      const c = d.clusters.get(u.ObjectId);
      if (!c) throw notFound(`figure cluster ${u.ObjectId}`);
      if (u.MetaLockVersion !== undefined && u.MetaLockVersion !== c.MetaLockVersion) {
        throw new WireError(
          400,
          'InvalidArgument',
          `MetaLockVersion ${u.MetaLockVersion} does not match the current version ${c.MetaLockVersion}.`,
        );
      }
      if (
        u.CustomLabels !== undefined &&
        (typeof u.CustomLabels !== 'object' ||
          Object.values(u.CustomLabels).some((v) => typeof v !== 'string'))
      ) {
        throw new WireError(
          400,
          'InvalidArgument',
          'FigureCluster.CustomLabels must map strings to strings.',
        );
      }
      if (u.Cover !== undefined) {
        // A cover is given as one of the cluster's figures; IMM stores the whole File holding it.
        const figureId = u.Cover.Figures?.[0]?.FigureId;
        const file = [...d.files.values()].find((f) =>
          (f.Figures ?? []).some((g) => g.FigureId === figureId && g.FigureClusterId === c.ObjectId),
        );
        if (!file)
          throw new WireError(
            400,
            'InvalidArgument',
            `FigureCluster.Cover: no figure ${figureId} of this cluster.`,
          );
        c.Cover = structuredClone(file);
      }
      if (u.Name !== undefined) c.Name = String(u.Name);
      if (u.CustomId !== undefined) c.CustomId = String(u.CustomId);
      if (u.CustomLabels !== undefined) c.CustomLabels = { ...u.CustomLabels };
      c.MetaLockVersion = (c.MetaLockVersion ?? 0) + 1;
      c.UpdateTime = state.behaviour.now().toISOString();
      return {};
    },
    SimpleQuery: (p) => {
      const d = state.dataset(...pd(p));
      const query = p.Query as Parameters<typeof matches>[1];
      let files = [...d.files.values()].filter((f) => matches(f, query));
      const sortField = typeof p.Sort === 'string' && p.Sort ? p.Sort.split(',')[0]! : 'URI';
      files = sortBy(
        files,
        (f) => {
          const v = valuesAt(f, sortField)[0];
          return typeof v === 'number' ? v : String(v ?? '');
        },
        p.Order ?? (p.Sort ? 'desc' : 'asc'),
      );
      const { page, next } = paginate(files, maxResults(p), p.NextToken);
      return {
        Files: page.map((f) => pick(structuredClone(f), p.WithFields as string[] | undefined)),
        NextToken: next,
        ...(p.WithoutTotalHits ? {} : { TotalHits: files.length }),
      };
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-acs-request-id': (body as { RequestId: string }).RequestId,
  });
  res.end(text);
}

export async function startFakeImm(opts: FakeImmOptions = {}): Promise<FakeImm> {
  const state = new FakeImmState({
    clusteringDelayMs: opts.clusteringDelayMs ?? 30,
    mediaConvertDelayMs: opts.mediaConvertDelayMs ?? 30,
    mergingDelayMs: opts.mergingDelayMs ?? 30,
    minImagesPerCluster: opts.minImagesPerCluster ?? 3,
    mergingTaskType: opts.mergingTaskType ?? 'FigureClustersMerging',
    now: opts.now ?? (() => new Date()),
  });
  if (opts.project) state.createProject({ ProjectName: opts.project });
  if (opts.project && opts.dataset)
    state.createDataset({
      ProjectName: opts.project,
      DatasetName: opts.dataset,
      TemplateId: 'Official:FaceManagement',
    });
  const handlers = actions(state);
  const requests: RecordedRequest[] = [];
  const faults: { action: string; remaining: number; fault: Fault }[] = [];
  let random: { rate: number; next: () => number; kinds: NonNullable<RandomFaults['kinds']> } | null = null;
  const injected: Record<string, number> = {};
  let host = '127.0.0.1';

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const action = String(req.headers['x-acs-action'] ?? '');
    const record: RecordedRequest = {
      action,
      version: req.headers['x-acs-version'] as string | undefined,
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      params: null,
      headers: { ...req.headers },
      bodyLength: body.length,
      status: 0,
      code: null,
      at: Date.now(),
    };
    requests.push(record);
    const requestId = randomUUID().toUpperCase();
    const fail = (status: number, code: string, message: string) => {
      record.status = status;
      record.code = code;
      send(res, status, {
        RequestId: requestId,
        HostId: host,
        Code: code,
        Message: message,
        Recommend: `https://next.api.aliyun.com/troubleshoot?q=${code}`,
      });
    };
    try {
      if (req.method !== 'POST')
        throw new WireError(
          405,
          'InvalidArgument',
          `Method ${req.method} is not allowed; IMM RPC calls are POST.`,
        );
      if (url.pathname !== '/')
        throw new WireError(404, 'InvalidArgument', `Path ${url.pathname} is not found; RPC calls use /.`);
      if (!action) throw new WireError(400, 'MissingAction', 'The header x-acs-action is required.');
      if (record.version !== '2020-09-30')
        throw new WireError(
          400,
          'InvalidVersion',
          `Specified version ${String(record.version)} is not valid.`,
        );
      if (!String(req.headers.authorization ?? '').startsWith('ACS3-HMAC-SHA256 '))
        throw new WireError(400, 'MissingAuthorization', 'The request is not signed.');
      if (random && random.next() < random.rate) {
        const kind = random.kinds[Math.floor(random.next() * random.kinds.length)]!;
        injected[kind] = (injected[kind] ?? 0) + 1;
        record.code = `injected:${kind}`;
        if (kind === 'reset') {
          req.socket.destroy();
          return;
        }
        if (kind === 'server-error') return fail(503, 'ServiceUnavailable', 'The service is unavailable.');
        if (kind === 'flow-control-message')
          return fail(400, 'Throttling', 'Request was denied due to user flow control.');
        return fail(THROTTLED.status, THROTTLED.code, THROTTLED.message);
      }
      const faultIndex = faults.findIndex(
        (f) => f.remaining > 0 && (f.action === action || f.action === '*'),
      );
      if (faultIndex >= 0) {
        const f = faults[faultIndex]!;
        f.remaining -= 1;
        if (f.fault.delayMs) await new Promise((r) => setTimeout(r, f.fault.delayMs));
        if (f.fault.status !== undefined || f.fault.code !== undefined || !f.fault.delayMs) {
          const status = f.fault.status ?? THROTTLED.status;
          const code =
            f.fault.code ?? (status === 400 || status === 429 ? THROTTLED.code : 'ServiceUnavailable');
          const throttling = /^Throttling/.test(code);
          fail(status, code, f.fault.message ?? (throttling ? THROTTLED.message : `${code} (injected)`));
          return;
        }
      }
      const params = parseParams(action, url.searchParams);
      record.params = params;
      const handler = handlers[action];
      if (!handler)
        throw new WireError(400, 'InvalidAction.NotFound', `Specified api ${action} is not found.`);
      const out = handler(params);
      record.status = 200;
      send(res, 200, { RequestId: requestId, ...out });
    } catch (err) {
      if (err instanceof WireError) fail(err.status, err.code, err.message);
      else fail(500, 'InternalError', err instanceof Error ? err.message : String(err));
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  host = `127.0.0.1:${port}`;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    state,
    seedFaces: (uri, figures, props) => state.seedFaces(uri, figures, props),
    seedVideo: (uri, video) => state.seedVideo(uri, video),
    onObjectWritten: (listener) => {
      state.objectWritten.push(listener);
    },
    failNext: (action, count, fault = {}) => {
      faults.push({ action, remaining: count, fault });
    },
    clearFaults: () => {
      faults.length = 0;
      random = null;
    },
    randomFaults: (f) => {
      random = f && {
        rate: f.rate,
        next: mulberry32(f.seed ?? 1),
        kinds: f.kinds ?? ['throttling', 'flow-control-message', 'server-error', 'reset'],
      };
    },
    injected,
    requests,
    requestsFor: (action) => requests.filter((r) => r.action === action),
    close: () =>
      new Promise<void>((resolve) => {
        state.stopTimers();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** A face IMM would cluster (box 200 px, frontal, quality 0.95), for seeding. */
export function goodFace(identity: string, extra: Partial<SeedFigure> = {}): SeedFigure {
  return {
    identity,
    Boundary: { Left: 120, Top: 80, Width: 200, Height: 220 },
    HeadPose: { Pitch: 2, Roll: -1, Yaw: 5 },
    FaceQuality: 0.95,
    Sharpness: 0.9,
    Age: 30,
    Gender: 'female',
    FigureConfidence: 0.99,
    ...extra,
  };
}

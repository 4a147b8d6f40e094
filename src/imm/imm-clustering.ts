import type { ClusteringRun } from '../album/types';
import type { ImmConfig } from '../config/imm-config';
import type { Logger } from '../log/logger';
import type { ImmClient } from './imm-client';
import { ensureProjectAndDataset } from './imm-dataset';
import { mapped } from './imm-errors-map';
import { toTask } from './imm-records';
import { DATASET_TAG, encodeTaskId, FINGERPRINT_TAG } from './imm-tasks';
import { CLUSTER_ID_UNAVAILABLE, type Dataset, TASK_TYPE_CLUSTERING, type TaskInfo } from './imm-wire';

export interface PollInterval {
  minMs: number;
  maxMs: number;
}

export interface ClusteringDeps {
  client: ImmClient;
  config: ImmConfig;
  poll: PollInterval;
  /** Set once project and dataset were seen, so warm instances skip the two lookups. */
  ready?: { checked: boolean };
  /**
   * false: start the task and return `started` without waiting (prefix mode: one library's slow task must
   * not hold up the others; the next tick sees it Running or finished). Default: wait as configured.
   */
  wait?: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function newestClusteringTask(
  { client, config }: Pick<ClusteringDeps, 'client' | 'config'>,
  status: 'Running' | 'Succeeded' | undefined,
  deadline: number,
): Promise<TaskInfo | null> {
  const res = await mapped(
    client.call(
      'ListTasks',
      {
        ProjectName: config.project,
        TaskTypes: [TASK_TYPE_CLUSTERING],
        Status: status,
        TagSelector: `${DATASET_TAG}=${config.dataset}`,
        Sort: 'StartTime',
        Order: 'desc',
        MaxResults: 1,
      },
      { deadline },
    ),
  );
  return res.Tasks?.[0] ?? null;
}

/**
 * What the dataset looks like now. FileCount + TotalFileSize change with every index/removal;
 * UpdateTime covers a re-indexed file of the same size if IMM bumps it (not documented either way).
 * Indexing is asynchronous: a tick that runs before IMM finished indexing records the older
 * statistics, so the next tick sees a different fingerprint and clusters again — nothing is missed.
 */
const fingerprintOf = (d: Dataset) => `${d.FileCount ?? 0}:${d.TotalFileSize ?? 0}:${d.UpdateTime ?? ''}`;

async function datasetFingerprint(
  { client, config }: ClusteringDeps,
  deadline: number,
): Promise<{ fingerprint: string; fileCount: number }> {
  const { Dataset: d } = await mapped(
    client.call(
      'GetDataset',
      { ProjectName: config.project, DatasetName: config.dataset, WithStatistics: true },
      { deadline },
    ),
  );
  return {
    fingerprint: fingerprintOf(d),
    fileCount: d.FileCount ?? 0,
  };
}

async function countClusters(
  deps: ClusteringDeps,
  field: 'CreateTimeRange' | 'UpdateTimeRange',
  since: string,
  deadline: number,
): Promise<number> {
  const res = await mapped(
    deps.client.call(
      'QueryFigureClusters',
      {
        ProjectName: deps.config.project,
        DatasetName: deps.config.dataset,
        MaxResults: 1,
        WithTotalCount: true,
        [field]: { Start: since, End: new Date(Date.now() + 60_000).toISOString() },
      },
      { deadline },
    ),
  );
  return res.TotalCount ?? 0;
}

/**
 * One timer tick. Skips when a clustering task of this dataset is running, or when nothing was
 * indexed/removed since the newest successful task (its fingerprint tag equals the dataset's now).
 * Otherwise starts a task and polls it until it ends or the wait budget runs out.
 *
 * A double run (two timer invocations passing the checks together, or a task started from the
 * console) is harmless: IMM clustering is incremental, so a second task over the same files only
 * re-confirms existing clusters, and the window between the ListTasks check and the create call
 * is a few hundred milliseconds.
 */
export async function runImmClustering(
  deps: ClusteringDeps,
  deadline: number,
  log: Logger,
): Promise<ClusteringRun> {
  const { client, config } = deps;
  if (!deps.ready?.checked) {
    await ensureProjectAndDataset(deps, deadline, log);
    if (deps.ready) deps.ready.checked = true;
  }

  const running = await newestClusteringTask(deps, 'Running', deadline);
  if (running) {
    return {
      outcome: 'skipped',
      reason: 'a clustering task is already running',
      task: toTask(running, encodeTaskId('clustering', running.TaskId), 'clustering'),
    };
  }
  const { fingerprint, fileCount } = await datasetFingerprint(deps, deadline);
  const last = await newestClusteringTask(deps, 'Succeeded', deadline);
  if (last && last.Tags?.[FINGERPRINT_TAG] === fingerprint) {
    return {
      outcome: 'skipped',
      reason: 'nothing indexed or removed since the last clustering',
      task: toTask(last, encodeTaskId('clustering', last.TaskId), 'clustering'),
    };
  }
  if (!last && fileCount === 0) return { outcome: 'skipped', reason: 'the dataset is empty', task: null };

  const created = await mapped(
    client.call(
      'CreateFigureClusteringTask',
      {
        ProjectName: config.project,
        DatasetName: config.dataset,
        Tags: { [DATASET_TAG]: config.dataset, [FINGERPRINT_TAG]: fingerprint },
      },
      { deadline },
    ),
  );
  const taskId = encodeTaskId('clustering', created.TaskId);
  if (deps.wait === false) {
    // AlbumService.cluster logs the run's outcome (`clustering.started`); one line per library is enough.
    log.debug('clustering.task_created', { taskId, immTaskId: created.TaskId, fingerprint });
    const started: TaskInfo = {
      TaskId: created.TaskId,
      TaskType: TASK_TYPE_CLUSTERING,
      Status: 'Running',
      StartTime: new Date().toISOString(),
    };
    return {
      outcome: 'started',
      reason: 'not waited for; the next run sees how it ended',
      task: toTask(started, taskId, 'clustering'),
    };
  }
  log.info('clustering.started', { taskId, immTaskId: created.TaskId, fingerprint });

  const waitUntil = Math.min(deadline, Date.now() + config.clusterWaitSeconds * 1000);
  let info: TaskInfo = {
    TaskId: created.TaskId,
    TaskType: TASK_TYPE_CLUSTERING,
    Status: 'Running',
    StartTime: new Date().toISOString(),
  };
  for (let delay = deps.poll.minMs; ; delay = Math.min(deps.poll.maxMs, delay * 2)) {
    if (Date.now() + delay >= waitUntil) {
      return {
        outcome: 'timeout',
        reason: `task still running after the wait budget; the next run will see it`,
        task: toTask(info, taskId, 'clustering'),
      };
    }
    await sleep(delay);
    info = await mapped(
      client.call(
        'GetTask',
        { ProjectName: config.project, TaskId: created.TaskId, TaskType: TASK_TYPE_CLUSTERING },
        { deadline },
      ),
    );
    if (info.Status === 'Succeeded' || info.Status === 'Failed') break;
  }
  const task = toTask(info, taskId, 'clustering');
  if (info.Status === 'Failed')
    return { outcome: 'failed', reason: `${info.Code ?? 'Failed'}: ${info.Message ?? ''}`.trim(), task };

  // Counting is informative only; a failure here must not turn a good run into a retry.
  try {
    const since = info.StartTime ?? task.startedAt ?? new Date(0).toISOString();
    const newPeople = await countClusters(deps, 'CreateTimeRange', since, deadline);
    const touched = await countClusters(deps, 'UpdateTimeRange', since, deadline);
    return { outcome: 'succeeded', task, newPeople, updatedPeople: Math.max(0, touched - newPeople) };
  } catch (err) {
    log.warn('clustering.count_failed', { error: err });
    return { outcome: 'succeeded', task };
  }
}

/**
 * Where one dataset stands for clustering, read with two calls (its statistics and its newest task), three
 * when no task is known.
 */
export interface ClusteringState {
  /** changed: clustering would see something new; busy: a task is running; current: nothing new; empty. */
  state: 'changed' | 'busy' | 'current' | 'empty';
  /** When the changes started waiting: the newest task's start, or the dataset's creation if never clustered. */
  waitingSince: string;
  /** The newest clustering task of the dataset, whatever its status. */
  last: TaskInfo | null;
}

/**
 * The clusterer's check of one library (prefix mode), the same rule as runImmClustering: a dataset whose
 * statistics differ from the fingerprint of its newest finished task has changed. A newest task that failed
 * counts as changed, so it is tried again. With no task on record (never clustered, or not for 7 days), a
 * dataset has changed when some face in it was never clustered.
 */
export async function clusteringState(
  deps: Pick<ClusteringDeps, 'client' | 'config'>,
  deadline: number,
): Promise<ClusteringState> {
  const { client, config } = deps;
  const [last, dataset] = await Promise.all([
    newestClusteringTask(deps, undefined, deadline),
    mapped(
      client.call(
        'GetDataset',
        { ProjectName: config.project, DatasetName: config.dataset, WithStatistics: true },
        { deadline },
      ),
    ),
  ]);
  const d = dataset.Dataset;
  const fingerprint = fingerprintOf(d);
  const waitingSince = last?.StartTime ?? d.CreateTime ?? new Date(0).toISOString();
  if (last?.Status === 'Running') return { state: 'busy', waitingSince, last };
  if (!last) {
    if ((d.FileCount ?? 0) === 0) return { state: 'empty', waitingSince, last };
    // IMM keeps task information for 7 days only (CreateFigureClusteringTask reference): a library quiet for
    // longer shows no task at all. Faces still marked "not clustered since indexed" are what would be new.
    const unclustered = await mapped(
      client.call(
        'SimpleQuery',
        {
          ProjectName: config.project,
          DatasetName: config.dataset,
          Query: { Field: 'Figures.FigureClusterId', Operation: 'eq', Value: CLUSTER_ID_UNAVAILABLE },
          WithFields: ['URI'],
          MaxResults: 1,
          WithoutTotalHits: true,
        },
        { deadline },
      ),
    );
    return { state: unclustered.Files?.length ? 'changed' : 'current', waitingSince, last };
  }
  if (last.Status === 'Succeeded' && last.Tags?.[FINGERPRINT_TAG] === fingerprint)
    return { state: 'current', waitingSince, last };
  return { state: 'changed', waitingSince, last };
}

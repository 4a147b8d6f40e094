import { AlbumError } from '../album/errors';
import type { ClusteringRun } from '../album/types';
import type { ImmConfig } from '../config/album-config';
import type { Logger } from '../log/logger';
import type { ImmClient } from './imm-client';
import { isNotFound, toAlbumError } from './imm-errors-map';
import { toTask } from './imm-records';
import { encodeTaskId } from './imm-tasks';
import { TASK_TYPE_CLUSTERING, type TaskInfo } from './imm-wire';

/** Task tags: which dataset a task belongs to (tasks are per project) and what it clustered. */
export const DATASET_TAG = 'album_dataset';
export const FINGERPRINT_TAG = 'album_fingerprint';
export const FACE_TEMPLATE = 'Official:FaceManagement';

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
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Makes sure project and dataset exist; creates them when IMM_AUTO_CREATE is on, else a clear error. */
export async function ensureProjectAndDataset(
  { client, config }: Pick<ClusteringDeps, 'client' | 'config'>,
  deadline: number,
  log: Logger,
): Promise<void> {
  const { project, dataset } = config;
  try {
    await client.call('GetProject', { ProjectName: project }, { deadline });
  } catch (err) {
    if (!isNotFound(err)) throw toAlbumError(err);
    if (!config.autoCreate)
      throw new AlbumError(
        'bad_request',
        `IMM project "${project}" does not exist; create it or set IMM_AUTO_CREATE=true`,
      );
    await createIgnoringExisting(() =>
      client.call(
        'CreateProject',
        { ProjectName: project, ServiceRole: config.serviceRole, TemplateId: FACE_TEMPLATE },
        { deadline },
      ),
    );
    log.info('imm.project_created', { project, templateId: FACE_TEMPLATE });
  }
  try {
    await client.call('GetDataset', { ProjectName: project, DatasetName: dataset }, { deadline });
  } catch (err) {
    if (!isNotFound(err)) throw toAlbumError(err);
    if (!config.autoCreate)
      throw new AlbumError(
        'bad_request',
        `IMM dataset "${dataset}" does not exist in project "${project}"; create it (TemplateId ${FACE_TEMPLATE}) or set IMM_AUTO_CREATE=true`,
      );
    await createIgnoringExisting(() =>
      client.call(
        'CreateDataset',
        { ProjectName: project, DatasetName: dataset, TemplateId: FACE_TEMPLATE },
        { deadline },
      ),
    );
    log.info('imm.dataset_created', { project, dataset, templateId: FACE_TEMPLATE });
  }
}

/** Two cold instances may create at once; the loser sees ResourceAlreadyExists, which is success. */
async function createIgnoringExisting(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (err) {
    if ((err as { code?: string }).code === 'ResourceAlreadyExists') return;
    throw toAlbumError(err);
  }
}

export async function newestClusteringTask(
  { client, config }: Pick<ClusteringDeps, 'client' | 'config'>,
  status: 'Running' | 'Succeeded' | undefined,
  deadline: number,
): Promise<TaskInfo | null> {
  const res = await client
    .call(
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
    )
    .catch((err) => {
      throw toAlbumError(err);
    });
  return res.Tasks?.[0] ?? null;
}

/**
 * What the dataset looks like now. FileCount + TotalFileSize change with every index/removal;
 * UpdateTime covers a re-indexed file of the same size if IMM bumps it (not documented either way).
 * Indexing is asynchronous: a tick that runs before IMM finished indexing records the older
 * statistics, so the next tick sees a different fingerprint and clusters again — nothing is missed.
 */
async function datasetFingerprint(
  { client, config }: ClusteringDeps,
  deadline: number,
): Promise<{ fingerprint: string; fileCount: number }> {
  const { Dataset: d } = await client
    .call(
      'GetDataset',
      { ProjectName: config.project, DatasetName: config.dataset, WithStatistics: true },
      { deadline },
    )
    .catch((err) => {
      throw toAlbumError(err);
    });
  return {
    fingerprint: `${d.FileCount ?? 0}:${d.TotalFileSize ?? 0}:${d.UpdateTime ?? ''}`,
    fileCount: d.FileCount ?? 0,
  };
}

async function countClusters(
  deps: ClusteringDeps,
  field: 'CreateTimeRange' | 'UpdateTimeRange',
  since: string,
  deadline: number,
): Promise<number> {
  const res = await deps.client.call(
    'QueryFigureClusters',
    {
      ProjectName: deps.config.project,
      DatasetName: deps.config.dataset,
      MaxResults: 1,
      WithTotalCount: true,
      [field]: { Start: since, End: new Date(Date.now() + 60_000).toISOString() },
    },
    { deadline },
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

  const created = await client
    .call(
      'CreateFigureClusteringTask',
      {
        ProjectName: config.project,
        DatasetName: config.dataset,
        Tags: { [DATASET_TAG]: config.dataset, [FINGERPRINT_TAG]: fingerprint },
      },
      { deadline },
    )
    .catch((err) => {
      throw toAlbumError(err);
    });
  const taskId = encodeTaskId('clustering', created.TaskId);
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
    info = await client
      .call(
        'GetTask',
        { ProjectName: config.project, TaskId: created.TaskId, TaskType: TASK_TYPE_CLUSTERING },
        { deadline },
      )
      .catch((err) => {
        throw toAlbumError(err);
      });
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

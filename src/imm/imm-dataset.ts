import { ConfigError } from '../config/env-parse';
import type { ImmConfig } from '../config/imm-config';
import type { Logger } from '../log/logger';
import type { ImmClient } from './imm-client';
import { isNotFound, mapped, toAlbumError } from './imm-errors-map';

/** The IMM template that turns on face detection at index time (imm-facts §8). */
export const FACE_TEMPLATE = 'Official:FaceManagement';

export interface DatasetDeps {
  client: ImmClient;
  config: ImmConfig;
}

/**
 * Makes sure project and dataset exist; creates them when IMM_AUTO_CREATE is on. Otherwise a missing
 * one is a setup error (a ConfigError): the invocation throws, so FC retries it and then keeps the
 * event, instead of counting it as done. `createDataset` (prefix mode: a library's dataset is made on
 * its first photo) creates the dataset whatever IMM_AUTO_CREATE says; the project still follows it.
 */
export async function ensureProjectAndDataset(
  { client, config }: DatasetDeps,
  deadline: number,
  log: Logger,
  { createDataset = config.autoCreate }: { createDataset?: boolean } = {},
): Promise<void> {
  const { project, dataset } = config;
  try {
    await client.call('GetProject', { ProjectName: project }, { deadline });
  } catch (err) {
    if (!isNotFound(err)) throw toAlbumError(err);
    if (!config.autoCreate)
      throw new ConfigError(
        `invalid configuration: IMM project "${project}" does not exist; create it or set IMM_AUTO_CREATE=true`,
      );
    await createIgnoringExisting(
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
    if (!createDataset)
      throw new ConfigError(
        `invalid configuration: IMM dataset "${dataset}" does not exist in project "${project}"; create it (TemplateId ${FACE_TEMPLATE}) or set IMM_AUTO_CREATE=true`,
      );
    await createIgnoringExisting(
      client.call(
        'CreateDataset',
        { ProjectName: project, DatasetName: dataset, TemplateId: FACE_TEMPLATE },
        { deadline },
      ),
    ).catch((err: unknown) => {
      throw quotaError(err, project) ?? err;
    });
    log.info('imm.dataset_created', { project, dataset, templateId: FACE_TEMPLATE });
  }
}

/** Two cold instances may create at once; the loser sees ResourceAlreadyExists, which is success. */
async function createIgnoringExisting(create: Promise<unknown>): Promise<void> {
  await mapped(
    create.catch((err: unknown) => {
      if ((err as { code?: string }).code === 'ResourceAlreadyExists') return;
      throw err;
    }),
  );
}

/**
 * A project holds at most ProjectMaxDatasetCount datasets (GetProject; CreateProject sets it). IMM refuses one
 * more with `LimitExceededError` (a 400: "resource count exceeds the limit", imm-facts §2), which would map to a
 * final bad_request and drop the photo. It is a setup problem instead: a ConfigError, so FC retries the event and
 * then keeps it in the dead-letter queue until the quota is raised.
 */
function quotaError(err: unknown, project: string): ConfigError | null {
  const code = (err as { details?: { immCode?: unknown } }).details?.immCode;
  if (typeof code !== 'string' || !/LimitExceed|QuotaExceed/i.test(code)) return null;
  return new ConfigError(
    `invalid configuration: IMM project "${project}" has no room for another dataset (${code}); raise its ProjectMaxDatasetCount (GetProject shows it, UpdateProject sets it) or use another IMM_PROJECT`,
  );
}

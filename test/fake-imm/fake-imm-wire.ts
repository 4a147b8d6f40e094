/**
 * What the fake IMM accepts on the wire, per action (cloud-reference §1.4 query-key table).
 * A request with an unknown key, a missing required key, a complex field that is not a JSON
 * string of the right kind, or a scalar of the wrong kind is answered like IMM would: 400 with
 * `Missing<Name>` / `InvalidArgument` / `InvalidJSON`.
 */
export type JsonKind = 'array' | 'object';
export interface ActionSpec {
  required: string[];
  optional: string[];
  json?: Record<string, JsonKind>;
  bool?: string[];
  int?: string[];
}

const PD = ['ProjectName', 'DatasetName'];

export const ACTION_SPECS: Record<string, ActionSpec> = {
  CreateProject: {
    required: ['ProjectName'],
    optional: [
      'DatasetMaxBindCount',
      'DatasetMaxEntityCount',
      'DatasetMaxFileCount',
      'DatasetMaxRelationCount',
      'DatasetMaxTotalFileSize',
      'Description',
      'ProjectMaxDatasetCount',
      'ServiceRole',
      'Tag',
      'TemplateId',
    ],
    json: { Tag: 'array' },
  },
  GetProject: { required: ['ProjectName'], optional: ['WithStatistics'], bool: ['WithStatistics'] },
  CreateDataset: {
    required: PD,
    optional: [
      'DatasetMaxBindCount',
      'DatasetMaxEntityCount',
      'DatasetMaxFileCount',
      'DatasetMaxRelationCount',
      'DatasetMaxTotalFileSize',
      'Description',
      'TemplateId',
      'WorkflowParameters',
    ],
    json: { WorkflowParameters: 'array' },
  },
  GetDataset: { required: PD, optional: ['WithStatistics'], bool: ['WithStatistics'] },
  ListDatasets: {
    required: ['ProjectName'],
    optional: ['MaxResults', 'NextToken', 'Prefix'],
    int: ['MaxResults'],
  },
  IndexFileMeta: {
    required: [...PD, 'File'],
    optional: ['Notification', 'UserData'],
    json: { File: 'object', Notification: 'object' },
  },
  BatchIndexFileMeta: {
    required: [...PD, 'Files'],
    optional: ['Notification', 'UserData'],
    json: { Files: 'array', Notification: 'object' },
  },
  DeleteFileMeta: { required: [...PD, 'URI'], optional: [] },
  BatchDeleteFileMeta: { required: [...PD, 'URIs'], optional: [], json: { URIs: 'array' } },
  GetFileMeta: { required: [...PD, 'URI'], optional: ['WithFields'], json: { WithFields: 'array' } },
  DetectImageFaces: {
    required: ['ProjectName', 'SourceURI'],
    optional: ['CredentialConfig'],
    json: { CredentialConfig: 'object' },
  },
  CreateFigureClusteringTask: {
    required: PD,
    optional: ['Notification', 'Tags', 'UserData'],
    json: { Notification: 'object', Tags: 'object' },
  },
  GetTask: {
    required: ['ProjectName', 'TaskId', 'TaskType'],
    optional: ['RequestDefinition'],
    bool: ['RequestDefinition'],
  },
  ListTasks: {
    required: ['ProjectName'],
    optional: [
      'EndTimeRange',
      'MaxResults',
      'NextToken',
      'Order',
      'RequestDefinition',
      'Sort',
      'StartTimeRange',
      'Status',
      'TagSelector',
      'TaskTypes',
    ],
    json: { EndTimeRange: 'object', StartTimeRange: 'object', TaskTypes: 'array' },
    bool: ['RequestDefinition'],
    int: ['MaxResults'],
  },
  QueryFigureClusters: {
    required: PD,
    optional: [
      'CreateTimeRange',
      'CustomLabels',
      'MaxResults',
      'NextToken',
      'Order',
      'Sort',
      'UpdateTimeRange',
      'WithTotalCount',
    ],
    json: { CreateTimeRange: 'object', UpdateTimeRange: 'object' },
    bool: ['WithTotalCount'],
    int: ['MaxResults'],
  },
  GetFigureCluster: { required: [...PD, 'ObjectId'], optional: [] },
  UpdateFigureCluster: {
    required: [...PD, 'FigureCluster'],
    optional: [],
    json: { FigureCluster: 'object' },
  },
  CreateFigureClustersMergingTask: {
    required: [...PD, 'To'],
    optional: ['From', 'Froms', 'Notification', 'Tags', 'UserData'],
    json: { Froms: 'array', Notification: 'object', Tags: 'object' },
  },
  DetectMediaMeta: {
    required: ['ProjectName', 'SourceURI'],
    optional: ['CredentialConfig'],
    json: { CredentialConfig: 'object' },
  },
  // CreateMediaConvertTask (SDK CreateMediaConvertTaskRequest): Sources/Targets/TargetGroups are shrink fields.
  CreateMediaConvertTask: {
    required: ['ProjectName', 'Sources'],
    optional: [
      'AlignmentIndex',
      'CredentialConfig',
      'Notification',
      'Tags',
      'TargetGroups',
      'Targets',
      'UserData',
    ],
    json: {
      Sources: 'array',
      Targets: 'array',
      TargetGroups: 'array',
      Tags: 'object',
      Notification: 'object',
      CredentialConfig: 'object',
    },
    int: ['AlignmentIndex'],
  },
  SearchImageFigureCluster: {
    required: [...PD, 'SourceURI'],
    optional: ['CredentialConfig'],
    json: { CredentialConfig: 'object' },
  },
  SimpleQuery: {
    required: PD,
    optional: [
      'Aggregations',
      'MaxResults',
      'NextToken',
      'Order',
      'Query',
      'Sort',
      'WithFields',
      'WithoutTotalHits',
    ],
    json: { Aggregations: 'array', Query: 'object', WithFields: 'array' },
    bool: ['WithoutTotalHits'],
    int: ['MaxResults'],
  },
};

export class WireError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Parsed parameters: JSON fields decoded, booleans/ints converted, everything else a string. */
export type Params = Record<string, unknown>;

export function parseParams(action: string, query: URLSearchParams): Params {
  const spec = ACTION_SPECS[action];
  if (!spec)
    throw new WireError(
      400,
      'InvalidAction.NotFound',
      `Specified api ${action} is not found (fake IMM does not implement it).`,
    );
  const allowed = new Set([...spec.required, ...spec.optional]);
  const out: Params = {};
  for (const [key, raw] of query) {
    if (!allowed.has(key))
      throw new WireError(400, 'InvalidArgument', `The parameter ${key} is not valid for ${action}.`);
    if (key in out) throw new WireError(400, 'InvalidArgument', `The parameter ${key} is repeated.`);
    const kind = spec.json?.[key];
    if (kind) {
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch {
        throw new WireError(400, 'InvalidJSON', `The parameter ${key} is not valid JSON.`);
      }
      const ok =
        kind === 'array'
          ? Array.isArray(value)
          : value !== null && typeof value === 'object' && !Array.isArray(value);
      if (!ok) throw new WireError(400, 'InvalidArgument', `The parameter ${key} must be a JSON ${kind}.`);
      out[key] = value;
    } else if (spec.bool?.includes(key)) {
      if (raw !== 'true' && raw !== 'false')
        throw new WireError(400, 'InvalidArgument', `The parameter ${key} must be true or false.`);
      out[key] = raw === 'true';
    } else if (spec.int?.includes(key)) {
      if (!/^\d+$/.test(raw))
        throw new WireError(400, 'InvalidArgument', `The parameter ${key} must be an integer.`);
      out[key] = Number(raw);
    } else {
      out[key] = raw;
    }
  }
  for (const key of spec.required) {
    if (out[key] === undefined || out[key] === '')
      throw new WireError(400, `Missing${key}`, `The parameter ${key} is required.`);
  }
  return out;
}

/**
 * IMM 2020-09-30 request/response shapes with the wire names IMM uses (PascalCase, as in the
 * official SDK's models; cloud-reference §1.4/§1.7). Only the actions and fields the album uses.
 * Complex request fields are plain objects here; the client JSON-encodes them ("Shrink" fields).
 */

export const IMM_API_VERSION = '2020-09-30';

export interface Boundary {
  Left: number;
  Top: number;
  Width: number;
  Height: number;
  Polygon?: unknown[];
}
export interface HeadPose {
  Pitch: number;
  Roll: number;
  Yaw: number;
}
export interface TimeRange {
  Start?: string;
  End?: string;
}

export interface Figure {
  FigureId?: string;
  FigureType?: string;
  FigureConfidence?: number;
  FigureClusterId?: string;
  FigureClusterConfidence?: number;
  Boundary?: Boundary;
  Age?: number;
  AgeSD?: number;
  Gender?: string;
  GenderConfidence?: number;
  HeadPose?: HeadPose;
  FaceQuality?: number;
  Sharpness?: number;
  Emotion?: string;
  EmotionConfidence?: number;
  Mouth?: string;
  MouthConfidence?: number;
  Mask?: string;
  MaskConfidence?: number;
  Glasses?: string;
  GlassesConfidence?: number;
  Hat?: string;
  HatConfidence?: number;
  Beard?: string;
  BeardConfidence?: number;
  [extra: string]: unknown;
}

/** Reserved FigureClusterId values: face fits no group yet / not clustered since it was indexed. */
export const CLUSTER_ID_INDEPENDENT = 'figure-cluster-id-independent';
export const CLUSTER_ID_UNAVAILABLE = 'figure-cluster-id-unavailable';

export interface ImmFile {
  URI: string;
  ObjectId?: string;
  ObjectType?: string;
  ObjectStatus?: string;
  Reason?: string;
  ProjectName?: string;
  DatasetName?: string;
  Filename?: string;
  Size?: number;
  ContentType?: string;
  MediaType?: string;
  ImageWidth?: number;
  ImageHeight?: number;
  Orientation?: number;
  ProduceTime?: string;
  CustomLabels?: Record<string, string>;
  FigureCount?: number;
  Figures?: Figure[];
  CreateTime?: string;
  UpdateTime?: string;
  [extra: string]: unknown;
}

export interface InputFile {
  URI: string;
  CustomId?: string;
  CustomLabels?: Record<string, string>;
  ContentType?: string;
  MediaType?: string;
}

/** One frame to capture (TargetImageSnapshots, CreateMediaConvertTask; times in seconds). */
export interface SnapshotTarget {
  Format: 'jpg' | 'png';
  URI: string;
  StartTime?: number;
  Number?: number;
  Interval?: number;
  Mode?: string;
  Width?: number;
  Height?: number;
  ScaleType?: string;
}

/** A stream as DetectMediaMeta reports it (VideoStream model; only what the album reads). */
export interface VideoStreamInfo {
  Index?: number;
  CodecName?: string;
  Width?: number;
  Height?: number;
  Duration?: number;
  Rotate?: string;
  FrameCount?: number;
}

export interface FigureCluster {
  ObjectId: string;
  ObjectType?: string;
  Name?: string;
  CustomId?: string;
  CustomLabels?: Record<string, string>;
  Cover?: ImmFile;
  FaceCount?: number;
  ImageCount?: number;
  VideoCount?: number;
  Gender?: string;
  AverageAge?: number;
  MinAge?: number;
  MaxAge?: number;
  MetaLockVersion?: number;
  CreateTime?: string;
  UpdateTime?: string;
  ProjectName?: string;
  DatasetName?: string;
  OwnerId?: string;
}

export type TaskStatusWire = 'Running' | 'Succeeded' | 'Failed' | (string & {});

export interface TaskInfo {
  TaskId: string;
  TaskType?: string;
  Status?: TaskStatusWire;
  Code?: string;
  Message?: string;
  StartTime?: string;
  EndTime?: string;
  Tags?: Record<string, string>;
  UserData?: string;
  ProjectName?: string;
  EventId?: string;
}

export interface Project {
  ProjectName: string;
  ServiceRole?: string;
  TemplateId?: string;
  Description?: string;
  CreateTime?: string;
  UpdateTime?: string;
  DatasetCount?: number;
  FileCount?: number;
  TotalFileSize?: number;
  ProjectQueriesPerSecond?: number;
  EngineConcurrency?: number;
  /** Datasets the project may hold (1–1,000,000,000). */
  ProjectMaxDatasetCount?: number;
}

export interface Dataset {
  ProjectName: string;
  DatasetName: string;
  TemplateId?: string;
  Description?: string;
  CreateTime?: string;
  UpdateTime?: string;
  BindCount?: number;
  FileCount?: number;
  TotalFileSize?: number;
}

export interface SimpleQueryNode {
  Field?: string;
  Operation: string;
  Value?: string;
  SubQueries?: SimpleQueryNode[];
}
export interface Notification {
  MNS?: { TopicName: string };
  RocketMQ?: { InstanceId: string; TopicName: string };
  ExtendedMessageURI?: string;
}

interface Base {
  RequestId: string;
}
interface ProjectDataset {
  ProjectName: string;
  DatasetName: string;
}

/** Every action the album calls: its request (wire names) and its response body. */
export interface ImmActions {
  CreateProject: {
    req: {
      ProjectName: string;
      ServiceRole?: string;
      TemplateId?: string;
      Description?: string;
      Tag?: { Key: string; Value: string }[];
    };
    res: Base & { Project: Project };
  };
  GetProject: { req: { ProjectName: string; WithStatistics?: boolean }; res: Base & { Project: Project } };
  CreateDataset: {
    req: ProjectDataset & { TemplateId?: string; Description?: string };
    res: Base & { Dataset: Dataset };
  };
  GetDataset: { req: ProjectDataset & { WithStatistics?: boolean }; res: Base & { Dataset: Dataset } };
  /**
   * Datasets by name prefix, in name order, MaxResults 0–200 (0/unset = 100); the listed FileCount and
   * TotalFileSize may be wrong or 0 (use GetDataset). https://help.aliyun.com/zh/imm/developer-reference/api-imm-2020-09-30-listdatasets
   */
  ListDatasets: {
    req: { ProjectName: string; Prefix?: string; MaxResults?: number; NextToken?: string };
    res: Base & { Datasets?: Dataset[]; NextToken?: string };
  };
  IndexFileMeta: {
    req: ProjectDataset & { File: InputFile; Notification?: Notification; UserData?: string };
    res: Base & { EventId?: string };
  };
  BatchIndexFileMeta: {
    req: ProjectDataset & { Files: InputFile[]; Notification?: Notification; UserData?: string };
    res: Base & { EventId?: string };
  };
  DeleteFileMeta: { req: ProjectDataset & { URI: string }; res: Base };
  BatchDeleteFileMeta: { req: ProjectDataset & { URIs: string[] }; res: Base };
  GetFileMeta: {
    req: ProjectDataset & { URI: string; WithFields?: string[] };
    res: Base & { Files?: ImmFile[] };
  };
  DetectImageFaces: {
    req: { ProjectName: string; SourceURI: string; CredentialConfig?: Record<string, unknown> };
    res: Base & { Faces?: Figure[] };
  };
  CreateFigureClusteringTask: {
    req: ProjectDataset & { Tags?: Record<string, string>; Notification?: Notification; UserData?: string };
    res: Base & { TaskId: string; EventId?: string };
  };
  GetTask: {
    req: { ProjectName: string; TaskId: string; TaskType: string; RequestDefinition?: boolean };
    res: Base & TaskInfo;
  };
  ListTasks: {
    req: {
      ProjectName: string;
      TaskTypes?: string[];
      Status?: string;
      TagSelector?: string;
      StartTimeRange?: TimeRange;
      EndTimeRange?: TimeRange;
      Sort?: 'TaskId' | 'StartTime' | 'EndTime';
      Order?: 'asc' | 'desc';
      MaxResults?: number;
      NextToken?: string;
      RequestDefinition?: boolean;
    };
    res: Base & { Tasks?: TaskInfo[]; NextToken?: string; MaxResults?: string; ProjectName?: string };
  };
  QueryFigureClusters: {
    req: ProjectDataset & {
      MaxResults?: number;
      NextToken?: string;
      Sort?: string;
      Order?: 'asc' | 'desc';
      CustomLabels?: string;
      CreateTimeRange?: TimeRange;
      UpdateTimeRange?: TimeRange;
      WithTotalCount?: boolean;
    };
    res: Base & { FigureClusters?: FigureCluster[]; NextToken?: string; TotalCount?: number };
  };
  GetFigureCluster: {
    req: ProjectDataset & { ObjectId: string };
    res: Base & { FigureCluster: FigureCluster };
  };
  UpdateFigureCluster: {
    req: ProjectDataset & {
      FigureCluster: {
        ObjectId: string;
        Name?: string;
        CustomId?: string;
        CustomLabels?: Record<string, string>;
        MetaLockVersion?: number;
        Cover?: { Figures: { FigureId: string }[] };
      };
    };
    res: Base;
  };
  CreateFigureClustersMergingTask: {
    req: ProjectDataset & {
      To: string;
      From?: string;
      Froms?: string[];
      Tags?: Record<string, string>;
      Notification?: Notification;
      UserData?: string;
    };
    res: Base & { TaskId: string; EventId?: string };
  };
  /** Synchronous media probe (duration, streams) of one OSS object. */
  DetectMediaMeta: {
    req: { ProjectName: string; SourceURI: string; CredentialConfig?: Record<string, unknown> };
    res: Base & {
      Duration?: number;
      FormatName?: string;
      ProduceTime?: string;
      Size?: number;
      VideoWidth?: number;
      VideoHeight?: number;
      VideoStreams?: VideoStreamInfo[];
      AudioStreams?: unknown[];
    };
  };
  /**
   * Asynchronous media processing (TaskType `MediaConvert`); the album uses only frame capture:
   * a Target with no Container/URI and `Image.Snapshots` (CreateMediaConvertTaskRequest model).
   */
  CreateMediaConvertTask: {
    req: {
      ProjectName: string;
      Sources: { URI: string; StartTime?: number; Duration?: number }[];
      Targets: { Image: { Snapshots: SnapshotTarget[] } }[];
      Tags?: Record<string, string>;
      Notification?: Notification;
      UserData?: string;
    };
    res: Base & { TaskId: string; EventId?: string };
  };
  /** Which clusters the faces of any image belong to (cloud-reference §1); indexes nothing. */
  SearchImageFigureCluster: {
    req: ProjectDataset & { SourceURI: string; CredentialConfig?: Record<string, unknown> };
    res: Base & { Clusters?: { ClusterId?: string; Similarity?: number; Boundary?: Boundary }[] };
  };
  SimpleQuery: {
    req: ProjectDataset & {
      Query?: SimpleQueryNode;
      MaxResults?: number;
      NextToken?: string;
      Sort?: string;
      Order?: string;
      WithFields?: string[];
      Aggregations?: { Field: string; Operation: string }[];
      WithoutTotalHits?: boolean;
    };
    res: Base & { Files?: ImmFile[]; NextToken?: string; TotalHits?: number };
  };
}

export type ImmAction = keyof ImmActions;
export type ImmRequest<A extends ImmAction> = ImmActions[A]['req'];
export type ImmResponse<A extends ImmAction> = ImmActions[A]['res'];

/** IMM error body (cloud-reference §2.5). */
export interface ImmErrorBody {
  RequestId?: string;
  HostId?: string;
  Code?: string;
  Message?: string;
  Recommend?: string;
}

/** The clustering TaskType GetTask wants (documented). Merge tasks are found by tag (imm-tasks.ts). */
export const TASK_TYPE_CLUSTERING = 'FaceClustering';
/** CreateMediaConvertTask's TaskType (IMM "task type list"). */
export const TASK_TYPE_MEDIA_CONVERT = 'MediaConvert';

import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { AlbumConfig } from '../config/album-config';
import { BackfillEnvSchema } from '../config/backfill-config';
import { ConfigError, parseEnv, scopeEnv } from '../config/env-parse';
import { FUNCTION_SETTINGS, loadCloudConfig } from '../config/function-settings';
import type { ImmConfig } from '../config/imm-config';
import { ImmBackend, type ImmBackendOptions } from '../imm/imm-backend';
import { ImmClient } from '../imm/imm-client';
import { libraryBackend, libraryImmConfig, listLibraries } from '../imm/imm-libraries';
import { envCredentials } from '../imm/imm-runtime';
import { OssFrameObjects } from '../imm/oss-frame-objects';
import { libraryPhotoPrefix } from '../library/library-key';
import { libraryNameProblem } from '../library/library-name';
import { tallyEvents } from '../log/event-tally';
import { createLogger, type Logger, type LogLevel } from '../log/logger';
import { createBackfillReporter, describeCounts } from './backfill-progress';
import { type PhotoSink, runBackfill } from './backfill-run';
import { OssBucketLister } from './bucket-listing';
import { CallPacer } from './call-pacer';
import { CheckpointFile } from './checkpoint';
import { type DatasetLister, ImmDatasetLister } from './dataset-listing';
import { LibrariesDatasetLister, LibraryRoutingSink, refuseOutsideLibraries } from './library-backfill';

/**
 * `npm run backfill -- [options]`: index the photos already in the bucket (and, with --reconcile,
 * drop dataset entries whose object is gone). Same environment as the functions plus the
 * deployer's ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET. Exit codes: 0 done, 1 failed (rerun resumes),
 * 2 bad configuration, 130 interrupted (rerun resumes).
 */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  tty: boolean;
  cwd: string;
}

const positive = (max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`a number in (0, ${max}]`);
  return n;
};
const integer = (max: number) => (v: string) => {
  const n = positive(max)(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`a whole number from 1 to ${max}`);
  return n;
};

interface Flags {
  library?: string;
  dryRun?: boolean;
  reconcile?: boolean;
  rate?: number;
  batchSize?: number;
  concurrency: number;
  pageSize: number;
  checkpoint?: string;
  restart?: boolean;
  outageWait: number;
  progress: 'auto' | 'bar' | 'lines';
}

export function backfillProgram(): Command {
  return new Command('backfill')
    .description('Index the photos already in the bucket under PHOTO_PREFIX into the IMM dataset.')
    .option(
      '--library <name>',
      'LIBRARY_MODE=prefix: only this library (PHOTO_PREFIX<name>/ into IMM_DATASET-<name>); default: every library',
    )
    .option('--dry-run', 'list and count, print what would be done, change nothing')
    .option('--reconcile', 'also remove dataset entries whose object is no longer in the bucket')
    .option(
      '--rate <calls/s>',
      'IMM calls per second (env BACKFILL_CALLS_PER_SECOND, default 10)',
      positive(100),
    )
    .option(
      '--batch-size <n>',
      'photos per BatchIndexFileMeta (env BACKFILL_BATCH_SIZE, max 100)',
      integer(100),
    )
    .option('--concurrency <n>', 'batches in flight', integer(32), 4)
    .option(
      '--page-size <n>',
      'keys per listing page; the checkpoint is saved after each',
      integer(1000),
      1000,
    )
    .option('--checkpoint <file>', 'checkpoint file (default .backfill/<bucket>-<project>-<dataset>.json)')
    .option('--restart', 'ignore an existing checkpoint and start over')
    .option('--outage-wait <seconds>', 'keep retrying through an IMM outage this long', positive(86_400), 600)
    .addOption(
      new Option('--progress <kind>', 'progress display').choices(['auto', 'bar', 'lines']).default('auto'),
    );
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const program = backfillProgram().exitOverride();
  program.configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    return (err as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const flags = program.opts<Flags>();
  const level = (io.env.LOG_LEVEL as LogLevel | undefined) ?? 'warn';
  // Retries are routine under throttling: counted and shown with the progress, written only at debug.
  const tally = tallyEvents(
    createLogger({ level, write: (line) => io.err(line), bindings: { fn: 'backfill' } }),
    { mute: level === 'debug' ? [] : ['imm.retry'] },
  );
  const log = tally.log;

  let setup: ReturnType<typeof wire>;
  try {
    setup = wire(flags, io, log);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`backfill: ${err.message}`);
    return 2;
  }
  const reporter = createBackfillReporter({
    tty: flags.progress === 'bar' || (flags.progress === 'auto' && io.tty),
    out: io.out,
    retried: () => tally.count('imm.retry'),
  });
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    io.err('backfill: stopping after the current page (Ctrl-C again to quit now; a rerun resumes)');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const started = Date.now();
  try {
    const result = await runBackfill(setup.deps, { ...setup.options, signal: abort.signal }, reporter);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const how = result.resumed ? ' (resumed from checkpoint)' : '';
    const retries = tally.count('imm.retry');
    reporter.done(
      `backfill ${result.outcome}${how}: ${describeCounts(result.counts)} in ${secs}s (IMM retries ${retries})`,
    );
    if (result.outcome === 'interrupted') return 130;
    return 0;
  } catch (err) {
    log.error('backfill.failed', { error: err });
    reporter.done(
      `backfill failed: ${err instanceof Error ? err.message : String(err)}; run it again to resume from ${setup.deps.checkpoint.file}`,
    );
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** How long backfill waits for one video's frame-capture task before counting it failed (rerun resumes it). */
const VIDEO_WAIT_MS = 15 * 60_000;

function wire(flags: Flags, io: CliIo, log: Logger) {
  const credentials = envCredentials(io.env);
  if (!credentials)
    throw new ConfigError(
      'set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET (the deployer)',
    );
  // The deploy region, with s.yaml's default, unless IMM_REGION says otherwise.
  const region = io.env.ALBUM_REGION || 'cn-hangzhou';
  const { album, imm, oss, video: sampling } = loadCloudConfig('backfill', io.env, region);
  if (!oss) throw new ConfigError('invalid configuration: ALBUM_BUCKET is required');
  const tuning = parseEnv(BackfillEnvSchema, scopeEnv(io.env, FUNCTION_SETTINGS.backfill));
  const pacer = new CallPacer(flags.rate ?? tuning.BACKFILL_CALLS_PER_SECOND);
  const client = new ImmClient({
    region: imm.region,
    credentials,
    endpoint: imm.endpoint,
    retry: imm.retry,
    log,
    limiter: pacer,
    defaultBudgetMs: 60_000,
  });
  // Videos: frames captured by IMM, waited for here (one video at a time, up to VIDEO_WAIT per video);
  // a video whose frames are indexed already is left alone, so a rerun costs no new task.
  const video = {
    frames: new OssFrameObjects({
      region: imm.region,
      credentials,
      endpoint: oss.endpoint,
      retry: imm.retry,
    }),
    deadline: () => Date.now() + VIDEO_WAIT_MS,
    sampling,
    skipAnalysed: true,
  };
  const target = libraryTarget(flags, { album, imm, bucket: oss.bucket, client, video });
  const checkpoint = new CheckpointFile(
    flags.checkpoint
      ? path.resolve(io.cwd, flags.checkpoint)
      : path.join(io.cwd, '.backfill', `${oss.bucket}-${imm.project}-${target.checkpointName}.json`),
  );
  return {
    deps: {
      bucket: new OssBucketLister({
        region: imm.region,
        bucket: oss.bucket,
        credentials,
        endpoint: oss.endpoint,
      }),
      dataset: target.lister,
      sink: target.sink,
      checkpoint,
      log,
    },
    options: {
      bucket: oss.bucket,
      prefix: target.prefix,
      project: imm.project,
      dataset: target.dataset,
      refuse: target.refuse,
      batchSize: flags.batchSize ?? tuning.BACKFILL_BATCH_SIZE,
      concurrency: flags.concurrency,
      pageSize: flags.pageSize,
      dryRun: !!flags.dryRun,
      reconcile: !!flags.reconcile,
      restart: !!flags.restart,
      outageWaitMs: flags.outageWait * 1000,
    },
  };
}

interface Target {
  prefix: string;
  /** The dataset named in messages and the checkpoint's scope. */
  dataset: string;
  checkpointName: string;
  sink: PhotoSink;
  lister: DatasetLister;
  refuse?: (key: string) => string | null;
}

/**
 * What one run covers. Single mode: PHOTO_PREFIX into IMM_DATASET. Prefix mode with --library x:
 * PHOTO_PREFIX x/ into IMM_DATASET-x (made on its first photo). Prefix mode without: all of PHOTO_PREFIX,
 * each photo into its library's dataset, keys that belong to no library skipped with a line each.
 */
function libraryTarget(
  flags: Flags,
  {
    album,
    imm,
    bucket,
    client,
    video,
  }: {
    album: AlbumConfig;
    imm: ImmConfig;
    bucket: string;
    client: ImmClient;
    video: ImmBackendOptions['video'];
  },
): Target {
  if (album.libraryMode !== 'prefix') {
    if (flags.library !== undefined)
      throw new ConfigError('--library needs LIBRARY_MODE=prefix (this deployment is one album)');
    return {
      prefix: album.photoPrefix,
      dataset: imm.dataset,
      checkpointName: imm.dataset,
      sink: new ImmBackend({ client, config: imm, poll: imm.poll, bucket, video }),
      lister: new ImmDatasetLister(client, imm),
    };
  }
  const deps = { client, config: imm, album, bucket, video };
  if (flags.library !== undefined) {
    const problem = libraryNameProblem(flags.library);
    if (problem) throw new ConfigError(`--library ${JSON.stringify(flags.library)}: ${problem}`);
    const config = libraryImmConfig(imm, flags.library);
    return {
      prefix: libraryPhotoPrefix(album.photoPrefix, flags.library),
      dataset: config.dataset,
      checkpointName: config.dataset,
      sink: libraryBackend(deps, flags.library),
      lister: new ImmDatasetLister(client, config),
    };
  }
  return {
    prefix: album.photoPrefix,
    dataset: `${imm.dataset}-<library>`,
    checkpointName: `${imm.dataset}-all-libraries`,
    sink: new LibraryRoutingSink(deps),
    lister: new LibrariesDatasetLister(
      () => listLibraries(client, imm),
      (library) => new ImmDatasetLister(client, libraryImmConfig(imm, library)),
    ),
    refuse: refuseOutsideLibraries(album.photoPrefix),
  };
}

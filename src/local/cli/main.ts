import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { batchedLines } from '../../log/batched-lines';
import { humanFormat } from '../../log/human-format';
import { createLogger, envLogLevel, jsonFormat, type LogFormat, type Logger } from '../../log/logger';
import type { LocalBackend } from '../local-backend';
import type { LocalLibraries } from '../local-libraries';

// Commands import what they need when they run: `status` and `export` never load the handlers or the engine.
const daemon = () => import('../launcher/album-daemon');
const runtime = () => import('../local-runtime');

const positiveInt =
  (what: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a whole number`);
    return n;
  };

const photosOption = () =>
  new Option('--photos <dir>', 'photos folder (stands in for the bucket)')
    .env('FACE_ALBUM_PHOTOS')
    .default('./photos');
const dataOption = () =>
  new Option('--data <dir>', 'state folder (SQLite, thumbnails, signing key)')
    .env('FACE_ALBUM_DATA')
    .default('./.album');
const workersOption = () =>
  new Option('--workers <n>', 'face engine worker processes (default: cores)')
    .env('FACE_ALBUM_WORKERS')
    .argParser(positiveInt('--workers'));

const librariesOption = () =>
  new Option(
    '--libraries',
    'each subfolder of the photos folder is a library with its own people (API under /libraries/<name>/)',
  )
    .env('FACE_ALBUM_LIBRARIES')
    .default(false);

const logFormatOption = () =>
  new Option('--log-format <format>', 'log lines: short lines for people, or JSON lines for machines')
    .env('FACE_ALBUM_LOG_FORMAT')
    .choices(['auto', 'human', 'json'])
    .default('auto', 'human on a terminal, json otherwise');

type LogFormatChoice = 'auto' | 'human' | 'json';

/** The one logger of a command (no second logger): JSON lines off a terminal or when asked, human lines on one. */
function rootLogger(
  choice: LogFormatChoice,
  stream: NodeJS.WriteStream = process.stdout,
  level = envLogLevel(),
  /** One write per event-loop turn (the server: a line per request); see log/batched-lines. */
  batch = false,
) {
  return createLogger({
    level,
    format: logFormat(choice, stream),
    write: batch ? batchedLines(stream).write : (line) => stream.write(`${line}\n`),
  });
}

function logFormat(choice: LogFormatChoice, stream: NodeJS.WriteStream = process.stdout): LogFormat {
  const human = choice === 'human' || (choice === 'auto' && stream.isTTY === true);
  return human ? humanFormat : jsonFormat;
}

function writeJson(value: unknown): Promise<void> {
  return new Promise((done) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`, () => done()));
}

export function buildProgram(): Command {
  const program = new Command('face-album')
    .description('Person photo album: a folder of photos, grouped by the people in them, served over HTTP')
    .showHelpAfterError();

  program
    .command('start', { isDefault: true })
    .description('watch the photos folder, index changes, cluster people and serve the API')
    .addOption(photosOption())
    .addOption(dataOption())
    .addOption(workersOption())
    .addOption(
      new Option('--port <n>', 'HTTP port on 127.0.0.1')
        .env('FACE_ALBUM_PORT')
        .default(9000)
        .argParser(positiveInt('--port')),
    )
    .addOption(
      new Option('--cluster-interval <s>', 'seconds between timer-driven clustering passes')
        .env('FACE_ALBUM_CLUSTER_INTERVAL')
        .default(300)
        .argParser(positiveInt('--cluster-interval')),
    )
    .addOption(
      new Option('--quiet-period <s>', 'seconds of quiet after changes before clustering')
        .env('FACE_ALBUM_QUIET_PERIOD')
        .default(10)
        .argParser(positiveInt('--quiet-period')),
    )
    .addOption(
      new Option('--write-settle <ms>', 'a file counts as written once unchanged this long')
        .env('FACE_ALBUM_WRITE_SETTLE_MS')
        .default(1500)
        .argParser(positiveInt('--write-settle')),
    )
    .addOption(
      new Option('--poll', 'poll the folder instead of OS file events (network drives, some containers)')
        .env('FACE_ALBUM_POLL')
        .default(false),
    )
    .addOption(librariesOption())
    .addOption(logFormatOption())
    .action(
      async (
        o: {
          photos: string;
          data: string;
          workers?: number;
          port: number;
          clusterInterval: number;
          quietPeriod: number;
          writeSettle: number;
          poll: boolean;
          libraries: boolean;
          logFormat: LogFormatChoice;
        },
        cmd: Command,
      ) => {
        const { startAlbumDaemon, startLibrariesDaemon } = await daemon();
        const log = rootLogger(o.logFormat, process.stdout, envLogLevel(), true);
        const start = o.libraries ? startLibrariesDaemon : startAlbumDaemon;
        const running = await start({
          log,
          photosDir: resolve(o.photos),
          photosDirGiven: given(cmd),
          dataDir: resolve(o.data),
          workers: o.workers || undefined,
          port: o.port,
          clusterIntervalMs: Math.max(1, o.clusterInterval) * 1000,
          quietMs: o.quietPeriod * 1000,
          stabilityMs: o.writeSettle,
          usePolling: Boolean(o.poll),
        }).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'EADDRINUSE')
            throw new Error(`port ${o.port} is already in use; pick another with --port`);
          throw err;
        });
        let stopping = false;
        const stop = () => {
          if (stopping) return;
          stopping = true;
          running.close().then(
            () => process.exit(0),
            (err) => {
              log.error('album.stop_failed', { error: err });
              process.exit(1);
            },
          );
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      },
    );

  program
    .command('scan <dir>')
    .description('index every photo under <dir> once, cluster, exit')
    .addOption(dataOption())
    .addOption(workersOption())
    .addOption(librariesOption())
    .addOption(logFormatOption())
    .action(
      async (
        dir: string,
        o: { data: string; workers?: number; libraries: boolean; logFormat: LogFormatChoice },
      ) => {
        const { scanCommand } = await import('./scan-command');
        const totals = await scanCommand({
          photosDir: resolve(dir),
          libraries: Boolean(o.libraries),
          dataDir: resolve(o.data),
          workers: o.workers || undefined,
          tty: process.stdout.isTTY === true,
          logFormat: logFormat(o.logFormat),
          logLevel: envLogLevel(),
        });
        process.stderr.write(
          `face-album: scanned: ${totals.indexed} indexed, ${totals.unchanged} unchanged, ${totals.rejected} rejected, ${totals.removed} removed; clustering ${totals.clustering}\n`,
        );
      },
    );

  program
    .command('recluster')
    .description('full re-cluster, keeping person ids, names and edits')
    .addOption(photosOption())
    .addOption(dataOption())
    .addOption(libraryOption())
    .addOption(logFormatOption())
    .action(async (o: AlbumFlags & { logFormat: LogFormatChoice }, cmd: Command) => {
      // A full re-cluster rewrites every assignment: never beside a running `start` or `scan`.
      await eachLockedAlbum(o, cmd, 'recluster', rootLogger(o.logFormat), reclusterAlbum);
    });

  program
    .command('reanalyse')
    .description(
      'give face attributes (emotion, mouth, eyes) and second identity vectors to photos analysed before the engine made them',
    )
    .addOption(photosOption())
    .addOption(dataOption())
    .addOption(libraryOption())
    .addOption(logFormatOption())
    .action(async (o: AlbumFlags & { logFormat: LogFormatChoice }, cmd: Command) => {
      // Writes analyses: never beside a running `start` or `scan` (which write them too).
      await eachLockedAlbum(o, cmd, 'reanalyse', rootLogger(o.logFormat), async (backend, log) => {
        const r = await backend.reanalyse(log);
        process.stdout.write(
          `face-album: reanalysed ${r.analyses} photos (${r.faces} faces, ${r.unmatched} not found again, ${r.skipped} skipped; ${r.seconds} second vectors)\n`,
        );
        // The next clustering pass (at the next start, or `recluster`) re-clusters on fused vectors.
        if (r.fused && r.seconds > 0)
          process.stdout.write(
            'face-album: every face has both vectors: people are re-clustered on them next\n',
          );
      });
    });

  program
    .command('export')
    .description('print the album as JSON (people, photos, faces)')
    .addOption(photosOption())
    .addOption(dataOption())
    .option('--embeddings', "include each face's embedding", false)
    .addOption(libraryOption())
    .action(async (o: AlbumFlags & { embeddings: boolean }, cmd: Command) => {
      const { exportAlbum } = await import('./export-command');
      const libs = await openLibrariesIfAny(o, cmd, quietLog());
      if (libs) {
        try {
          // One album's JSON: a libraries data dir exports the library asked for.
          if (!o.library)
            throw new Error(
              `${resolve(o.data)} holds one album per library; pass --library (one of: ${libs.names().join(', ') || 'none yet'})`,
            );
          const [name] = pickLibraries(libs, o);
          await writeJson(
            exportAlbum({ ...libs.library(name!)!, config: libs.config }, { embeddings: o.embeddings }),
          );
        } finally {
          await libs.close();
        }
        return;
      }
      const album = (await runtime()).openLocalAlbum({
        photosDir: resolve(o.photos),
        photosDirGiven: given(cmd),
        dataDir: resolve(o.data),
        log: quietLog(),
      });
      try {
        await writeJson(exportAlbum(album, { embeddings: o.embeddings }));
      } finally {
        await album.close();
      }
    });

  program
    .command('status')
    .description('counts, pending changes, refused files and the last clustering')
    .addOption(photosOption())
    .addOption(dataOption())
    .action(async (o: { photos: string; data: string }, cmd: Command) => {
      const { albumStatus, librariesStatus } = await import('./status-command');
      const libs = await openLibrariesIfAny(o, cmd, quietLog());
      if (libs) {
        try {
          await writeJson(await librariesStatus(libs, resolve(o.data)));
        } finally {
          await libs.close();
        }
        return;
      }
      const album = (await runtime()).openLocalAlbum({
        photosDir: resolve(o.photos),
        photosDirGiven: given(cmd),
        dataDir: resolve(o.data),
        log: quietLog(),
      });
      try {
        await writeJson(await albumStatus(album, resolve(o.data)));
      } finally {
        await album.close();
      }
    });
  return program;
}

interface AlbumFlags {
  photos: string;
  data: string;
  library?: string;
}

const libraryOption = () =>
  new Option('--library <name>', 'with a libraries data dir (start --libraries): only this library');

/**
 * A data dir made by `start --libraries`, opened for `status`, `export` or `recluster` (which need no
 * --libraries: they only work on what the data dir holds); null for a single-album data dir.
 */
/**
 * Runs `work` on each album of the data dir (every picked library, or the one album) under the data-dir
 * lock, for the commands that write beside nothing else (recluster, reanalyse); closes and unlocks after.
 */
async function eachLockedAlbum(
  o: AlbumFlags,
  cmd: Command,
  command: string,
  log: Logger,
  work: (backend: LocalBackend, log: Logger) => Promise<void>,
): Promise<void> {
  const { lockDataDir, openLocked } = await import('../launcher/data-dir-lock');
  const unlock = lockDataDir(resolve(o.data), command);
  const libs = await openLocked(unlock, () => openLibrariesIfAny(o, cmd, log));
  if (libs) {
    try {
      for (const name of pickLibraries(libs, o))
        await work(libs.library(name)!.backend, log.child({ library: name }));
    } finally {
      await libs.close();
      unlock();
    }
    return;
  }
  const album = await openLocked(unlock, async () =>
    (await runtime()).openLocalAlbum({
      photosDir: resolve(o.photos),
      photosDirGiven: given(cmd),
      dataDir: resolve(o.data),
      log,
    }),
  );
  try {
    await work(album.backend, album.log);
  } finally {
    await album.close();
    unlock();
  }
}

async function openLibrariesIfAny(o: AlbumFlags, cmd: Command, log: Logger): Promise<LocalLibraries | null> {
  const { isLibrariesDataDir } = await import('../data-dir-layout');
  if (!isLibrariesDataDir(resolve(o.data))) {
    if (o.library) throw new Error(`--library: ${resolve(o.data)} holds a single album, not libraries`);
    return null;
  }
  const { openLocalLibraries } = await import('../local-libraries');
  return openLocalLibraries({
    photosDir: resolve(o.photos),
    photosDirGiven: given(cmd),
    dataDir: resolve(o.data),
    log,
  });
}

/** The libraries a command covers: --library, or every one. */
function pickLibraries(libs: LocalLibraries, o: AlbumFlags): string[] {
  if (!o.library) return libs.names();
  if (!libs.library(o.library))
    throw new Error(
      `no library ${o.library} in ${resolve(o.data)} (libraries: ${libs.names().join(', ') || 'none yet'})`,
    );
  return [o.library];
}

/** Whether --photos (or its env variable) was given, rather than left at its default. */
function given(cmd: Command): boolean {
  return cmd.getOptionValueSource('photos') !== 'default';
}

/** Commands whose stdout is a JSON document keep log lines off it: warnings and errors go to stderr. */
function quietLog() {
  return rootLogger('auto', process.stderr, 'warn');
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.stderr.write(`face-album: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}

/** `recluster`: one full clustering pass of one album, logged; a failed pass makes the exit code 1. */
async function reclusterAlbum(backend: LocalBackend, log: Logger): Promise<void> {
  const run = await backend.runClustering({ deadline: Date.now() + 3600_000, log, full: true });
  log.info(`clustering.${run.outcome}`, {
    taskId: run.task?.id,
    newPeople: run.newPeople,
    updatedPeople: run.updatedPeople,
    reason: run.reason,
  });
  if (run.outcome === 'failed') process.exitCode = 1;
}

import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from '../../log/logger';
import type { RecognitionInfo, StageTimings } from './face-analyzer';
import { type AnalyzedPhoto, type AnalyzeOptions, type EngineInput, ImageRejectedError } from './face-engine';
import {
  type ParentMessage,
  WORKER_SETTINGS_ENV,
  type WorkerMessage,
  type WorkerSettings,
} from './worker-protocol';

export interface PoolOptions {
  size: number;
  settings: WorkerSettings;
  /** Replace a worker after this many photos (bounds slow leaks and WASM heap growth). */
  maxJobsPerWorker: number;
  /** Replace a worker after a photo leaves its RSS above this (WASM memory never shrinks). */
  maxRssBytes: number;
  /** V8 heap cap per worker (--max-old-space-size, MB); WASM memory is outside it, hence maxRssBytes. */
  maxOldSpaceMb: number;
  /** analyze() callers wait while this many photos are already queued (back-pressure). */
  maxQueue: number;
  log?: Logger;
}

export interface PoolResult {
  photo: AnalyzedPhoto;
  timings: StageTimings;
  workerPid: number;
}

interface Job {
  id: number;
  input: EngineInput;
  attempts: number;
  interactive: boolean;
  resolve: (r: PoolResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  child: ChildProcess;
  ready: boolean;
  job: Job | null;
  jobsDone: number;
  retiring: boolean;
}

/** A crashing photo is retried once on a fresh worker, then given up (it may be what kills workers). */
const MAX_ATTEMPTS = 2;

function workerEntry(): { file: string; execArgv: string[] } {
  // Run the worker from the same kind of file as this module: .ts under tsx (tests, dev), .js when built.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const file = fileURLToPath(new URL(`./engine-worker${ext}`, import.meta.url));
  // tsx resolved from this package, not from the cwd (`face-album` runs from any folder).
  return {
    file,
    execArgv:
      ext === '.ts' ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [],
  };
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly spaceWaiters: (() => void)[] = [];
  private nextId = 1;
  private closed = false;
  private startError: Error | null = null;
  private recognitionInfo: RecognitionInfo | null = null;

  constructor(private readonly opts: PoolOptions) {}

  get size(): number {
    return this.opts.size;
  }

  /** Pids of the live workers (the benchmark reads their peak RSS from /proc). */
  pids(): number[] {
    return this.slots.map((s) => s.child.pid).filter((p): p is number => typeof p === 'number');
  }

  /** The recognition runtime the first worker reported (all load the same way). */
  recognition(): RecognitionInfo | null {
    return this.recognitionInfo;
  }

  /** Forks all workers and resolves once every one has loaded its models. */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.opts.size }, () => this.spawn()));
  }

  private spawn(): Promise<void> {
    const { file, execArgv } = workerEntry();
    const child = fork(file, [], {
      execArgv: [...execArgv, `--max-old-space-size=${this.opts.maxOldSpaceMb}`],
      env: { ...process.env, [WORKER_SETTINGS_ENV]: JSON.stringify(this.opts.settings) },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const slot: Slot = { child, ready: false, job: null, jobsDone: 0, retiring: false };
    this.slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      child.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') {
          slot.ready = true;
          this.opts.log?.info('face_engine.worker_ready', { pid: child.pid, loadMs: Math.round(msg.loadMs) });
          if (!this.recognitionInfo) {
            // One line per engine, not per worker: which runtime computes descriptors, and why.
            this.recognitionInfo = msg.recognition;
            this.opts.log?.info('face_engine.recognition_runtime', { ...msg.recognition });
          }
          resolve();
          this.pump();
        } else if (msg.type === 'fatal') {
          this.startError = new Error(`face engine worker failed to start: ${msg.message}`);
          reject(this.startError);
        } else {
          this.finish(slot, msg);
        }
      });
      child.on('error', (err) => reject(err));
      child.on('exit', (code, signal) => {
        if (!slot.ready)
          reject(
            this.startError ??
              new Error(`face engine worker exited during start (code ${code}, signal ${signal})`),
          );
        this.onExit(slot, code, signal);
      });
    });
  }

  private finish(slot: Slot, msg: Exclude<WorkerMessage, { type: 'ready' | 'fatal' }>): void {
    const job = slot.job;
    if (!job || job.id !== msg.id) return;
    slot.job = null;
    slot.jobsDone++;
    if (msg.type === 'result')
      job.resolve({ photo: msg.photo, timings: msg.timings, workerPid: slot.child.pid ?? 0 });
    else if (msg.type === 'rejected') job.reject(new ImageRejectedError(msg.reason, msg.message));
    else job.reject(new Error(`face engine failed on this photo: ${msg.message}`));
    if (slot.jobsDone >= this.opts.maxJobsPerWorker || msg.rss > this.opts.maxRssBytes) {
      this.opts.log?.info('face_engine.worker_recycle', {
        pid: slot.child.pid,
        jobs: slot.jobsDone,
        rssMb: Math.round(msg.rss / 2 ** 20),
      });
      this.retire(slot);
    }
    this.pump();
  }

  /** Ask a worker to exit after its current job; onExit forks the replacement. */
  private retire(slot: Slot): void {
    if (slot.retiring) return;
    slot.retiring = true;
    slot.child.send({ type: 'exit' } satisfies ParentMessage);
  }

  private onExit(slot: Slot, code: number | null, signal: string | null): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    const job = slot.job;
    slot.job = null;
    if (!slot.retiring && !this.closed) {
      this.opts.log?.warn('face_engine.worker_died', {
        pid: slot.child.pid,
        code,
        signal,
        inFlight: job !== null,
      });
    }
    if (job) {
      job.attempts++;
      if (job.attempts >= MAX_ATTEMPTS || this.closed) {
        job.reject(
          new Error(`face engine worker died while analysing this photo (code ${code}, signal ${signal})`),
        );
      } else {
        this.queue.unshift(job);
      }
    }
    if (!this.closed && slot.ready) {
      // Replace the worker (crash or planned retirement). A failing restart is reported to queued callers.
      this.spawn().catch((err: Error) => {
        if (this.slots.length === 0) for (const j of this.queue.splice(0)) j.reject(err);
        this.releaseSpace();
      });
    }
    this.pump();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.job || slot.retiring) continue;
      const job = this.queue.shift();
      if (!job) break;
      slot.job = job;
      slot.child.send({ type: 'analyze', id: job.id, input: job.input } satisfies ParentMessage);
      this.releaseSpace();
    }
  }

  private releaseSpace(): void {
    while (this.spaceWaiters.length > 0 && this.queue.length < this.opts.maxQueue)
      this.spaceWaiters.shift()!();
  }

  async run(input: EngineInput, opts: AnalyzeOptions = {}): Promise<PoolResult> {
    const interactive = opts.interactive === true;
    // Interactive callers are few (engine-gate.ts bounds them) and someone waits on each: they neither
    // wait for queue space nor queue behind indexing, only behind each other.
    while (!interactive && !this.closed && this.queue.length >= this.opts.maxQueue) {
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
    if (this.closed) throw new Error('face engine is closed');
    // Every worker died and none could be restarted (e.g. models unreadable): fail fast instead of queueing forever.
    if (this.slots.length === 0) throw this.startError ?? new Error('face engine has no running workers');
    return new Promise<PoolResult>((resolve, reject) => {
      const job: Job = { id: this.nextId++, input, attempts: 0, interactive, resolve, reject };
      if (interactive) {
        const firstBackground = this.queue.findIndex((j) => !j.interactive);
        this.queue.splice(firstBackground < 0 ? this.queue.length : firstBackground, 0, job);
      } else this.queue.push(job);
      this.pump();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('face engine is closed'));
    for (const w of this.spaceWaiters.splice(0)) w();
    await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<void>((resolve) => {
            if (slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
            const timer = setTimeout(() => slot.child.kill('SIGKILL'), 5000);
            slot.child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            // Let an in-flight photo finish; the worker exits right after it.
            if (slot.child.connected) slot.child.send({ type: 'exit' } satisfies ParentMessage);
            else slot.child.kill();
          }),
      ),
    );
  }
}

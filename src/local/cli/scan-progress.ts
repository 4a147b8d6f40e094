import cliProgress from 'cli-progress';

/** Progress of a scan: a bar with photos/s and ETA on a terminal, a plain line every few seconds otherwise. */
export interface ScanProgress {
  advance(n: number): void;
  /** Prints a line without breaking the bar. */
  log(line: string): void;
  stop(): void;
}

export function createScanProgress(
  total: number,
  tty: boolean,
  write: (line: string) => void = (l) => process.stdout.write(l),
): ScanProgress {
  const started = Date.now();
  let done = 0;
  const rate = () => done / Math.max(0.001, (Date.now() - started) / 1000);
  if (tty) {
    const bars = new cliProgress.MultiBar(
      {
        format: 'indexing [{bar}] {value}/{total} photos | {rate} photos/s | ETA {eta_formatted}',
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 50,
        fps: 5,
        stream: process.stderr,
      },
      cliProgress.Presets.shades_classic,
    );
    const bar = bars.create(total, 0, { rate: '0.0' });
    return {
      advance: (n) => {
        done += n;
        bar.increment(n, { rate: rate().toFixed(1) });
      },
      log: (line) => bars.log(line.endsWith('\n') ? line : `${line}\n`),
      stop: () => {
        // MultiBar.stop() drops lines logged since the last redraw; a redraw first prints them.
        bars.update();
        bars.stop();
      },
    };
  }
  let lastPrint = 0;
  const print = (force: boolean) => {
    if (!force && Date.now() - lastPrint < 2000) return;
    lastPrint = Date.now();
    const r = rate();
    const eta = r > 0 ? Math.round((total - done) / r) : null;
    write(`scan: ${done}/${total} photos, ${r.toFixed(1)} photos/s, ETA ${eta === null ? '?' : `${eta}s`}\n`);
  };
  return {
    advance: (n) => {
      done += n;
      print(done === total);
    },
    log: (line) => write(line.endsWith('\n') ? line : `${line}\n`),
    stop: () => {
      if (done !== total) print(true);
    },
  };
}

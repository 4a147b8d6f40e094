import cliProgress from 'cli-progress';
import type { BackfillEvents } from './backfill-run';
import type { BackfillCounts } from './checkpoint';

/**
 * Backfill progress: on a terminal a bar with photos/s and ETA (on stderr, so stdout stays the
 * plain summary); otherwise one plain line every few seconds. `done` prints the final count line.
 */
export interface BackfillReporter extends BackfillEvents {
  done(summary: string): void;
}

export function describeCounts(c: BackfillCounts): string {
  return `listed ${c.listed}, photos ${c.photos}, indexed ${c.indexed}, skipped ${c.skipped}, failed ${c.failed}, removed ${c.removed}`;
}

export function createBackfillReporter(opts: {
  tty: boolean;
  out?: (line: string) => void;
  intervalMs?: number;
  /** IMM calls retried so far (throttling, 5xx, resets), shown next to the progress. */
  retried?: () => number;
}): BackfillReporter {
  const retried = () => opts.retried?.() ?? 0;
  const out = opts.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const interval = opts.intervalMs ?? 5_000;
  let total: number | null = null;
  let phaseStart = Date.now();
  let startIndexed = 0;
  let bar: cliProgress.SingleBar | null = null;
  let lastLine = 0;

  const rate = (c: BackfillCounts) =>
    (c.indexed + c.failed - startIndexed) / Math.max(0.001, (Date.now() - phaseStart) / 1000);

  const line = (c: BackfillCounts) => {
    const r = rate(c);
    const handled = c.indexed + c.failed;
    const left = total === null ? null : Math.max(0, total - handled);
    const eta = left !== null && r > 0 ? `${Math.round(left / r)}s` : '?';
    const of = total === null ? '' : `/${total} (${Math.floor((100 * handled) / Math.max(1, total))}%)`;
    return `backfill: ${handled}${of} photos, ${r.toFixed(1)} photos/s, ETA ${eta}; ${describeCounts(c)}; IMM retries ${retried()}`;
  };

  return {
    phase(name, phaseTotal, counts) {
      bar?.stop();
      bar = null;
      total = phaseTotal ?? total;
      phaseStart = Date.now();
      startIndexed = counts.indexed + counts.failed;
      if (name === 'indexing' && opts.tty && total !== null) {
        bar = new cliProgress.SingleBar(
          {
            format:
              'backfill [{bar}] {value}/{total} photos | {rate} photos/s | ETA {eta_formatted} | IMM retries {retried}',
            hideCursor: true,
            etaBuffer: 50,
            fps: 5,
            stream: process.stderr,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, counts.indexed + counts.failed, { rate: '0.0', retried: retried() });
      } else {
        out(`backfill: ${name}${name === 'indexing' && total !== null ? ` ${total} photos` : ''}…`);
      }
    },
    progress(counts) {
      if (bar) {
        bar.update(counts.indexed + counts.failed, { rate: rate(counts).toFixed(1), retried: retried() });
        return;
      }
      if (Date.now() - lastLine < interval) return;
      lastLine = Date.now();
      out(line(counts));
    },
    plan(lines) {
      for (const l of lines) out(`dry run: ${l}`);
    },
    done(summary) {
      bar?.stop();
      bar = null;
      out(summary);
    },
  };
}

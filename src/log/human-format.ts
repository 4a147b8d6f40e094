import type { LogFormat, LogRecord } from './logger';

/**
 * Short lines for a person at a terminal: what was indexed, how many people, where the album is served,
 * and every warning or error. Routine per-photo and per-request records are left to the JSON format
 * (`--log-format json`), which carries every field.
 */
const time = (r: LogRecord) => r.time.slice(11, 19);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

function describe(r: LogRecord): string | null {
  switch (r.event) {
    case 'album.started':
      return `serving ${r.photos} on ${r.url}${num(r.catchUp) ? ` (${plural(num(r.catchUp), 'change')} to catch up)` : ''}`;
    case 'album.stopped':
      return 'stopped';
    case 'album.summary':
      return `album: ${plural(num(r.photos), 'photo')}, ${plural(num(r.faces), 'face')}, ${plural(num(r.people), 'person', 'people')}`;
    case 'indexer.metrics': {
      if (!num(r.events)) return null;
      const parts = [`indexed ${plural(num(r.indexed), 'photo')}`];
      if (num(r.removed)) parts.push(`removed ${num(r.removed)}`);
      if (num(r.unchanged)) parts.push(`${num(r.unchanged)} unchanged`);
      if (num(r.rejected)) parts.push(`${num(r.rejected)} refused`);
      return parts.join(', ');
    }
    case 'indexing.progress':
      return `indexing: ${num(r.done)} done, ${num(r.queued)} to go, ${num(r.photosPerSecond).toFixed(1)} photos/s`;
    case 'photo.index':
    case 'photo.remove':
      // Refusals are warnings and keep their reason; the rest is summed up by indexer.metrics.
      return r.outcome === 'rejected' ? `refused ${r.uri}: ${r.reason ?? 'unknown reason'}` : null;
    case 'clustering.succeeded':
      return `clustering done: ${plural(num(r.newPeople), 'new person', 'new people')}, ${num(r.updatedPeople)} updated`;
    case 'http.request':
      return num(r.status) >= 500 ? `${r.method} ${r.path} → ${r.status}` : null;
    default:
      // Other info/debug records (requests, worker start-up, clustering triggers) are routine.
      return null;
  }
}

/** Fields worth showing after a warning or error's event name. */
function detail(r: LogRecord): string {
  const err = r.error as { message?: unknown } | string | undefined;
  const message = typeof err === 'string' ? err : typeof err?.message === 'string' ? err.message : null;
  const { time: _t, level: _l, event: _e, error: _err, requestId: _r, fn: _f, ...rest } = r;
  const fields = Object.entries(rest)
    .filter(([, v]) => v !== undefined && (typeof v !== 'object' || v === null))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return [message, fields].filter(Boolean).join(' ');
}

export const humanFormat: LogFormat = (r) => {
  const text = describe(r);
  if (text !== null) return `${time(r)} ${r.level === 'info' ? '' : `${r.level}: `}${text}`;
  if (r.level !== 'warn' && r.level !== 'error') return null;
  const more = detail(r);
  return `${time(r)} ${r.level}: ${r.event}${more ? ` — ${more}` : ''}`;
};

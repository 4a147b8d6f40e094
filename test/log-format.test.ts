/** One logger, two formats: JSON lines for machines, short lines for a person at a terminal. */
import { describe, expect, it } from 'vitest';
import { humanFormat } from '../src/log/human-format';
import { createLogger, type LogFormat } from '../src/log/logger';

function lines(format?: LogFormat) {
  const out: string[] = [];
  const log = createLogger({ format, write: (l) => out.push(l) }).child({ fn: 'indexer', requestId: 'r-1' });
  return { log, out };
}

describe('JSON format (default)', () => {
  it('writes one JSON record per event with bindings, and redacts secrets and signed links', () => {
    const { log, out } = lines();
    log.info('photo.index', { uri: 'oss://b/a.jpg', outcome: 'done' });
    log.debug('not.shown');
    log.warn('media.link', {
      url: 'http://127.0.0.1:9000/media/photo?key=a.jpg&exp=1&sig=abc',
      accessKeySecret: 'shh',
    });
    expect(out).toHaveLength(2);
    expect(JSON.parse(out[0]!)).toMatchObject({
      level: 'info',
      event: 'photo.index',
      fn: 'indexer',
      requestId: 'r-1',
      uri: 'oss://b/a.jpg',
    });
    expect(out[1]).not.toContain('sig=abc');
    expect(out[1]).not.toContain('shh');
  });
});

describe('human format', () => {
  it('sums up routine records and keeps every warning and error', () => {
    const { log, out } = lines(humanFormat);
    log.info('album.started', { url: 'http://127.0.0.1:9000', photos: '/home/me/photos', catchUp: 3 });
    log.info('photo.index', { uri: 'oss://local/a.jpg', outcome: 'done', faces: 2 });
    log.warn('photo.index', {
      uri: 'oss://local/b.jpg',
      outcome: 'rejected',
      reason: 'empty: zero-byte file',
    });
    log.info('indexer.metrics', { events: 15, indexed: 12, removed: 0, unchanged: 2, rejected: 1 });
    log.info('http.request', { method: 'GET', path: '/people', status: 200, ms: 3 });
    log.info('clustering.succeeded', { newPeople: 1, updatedPeople: 4 });
    log.info('album.summary', { photos: 63, faces: 120, people: 14 });
    log.error('clustering.error', { error: { name: 'Error', message: 'disk full' }, triggerName: 'timer' });
    expect(out.map((l) => l.replace(/^\d\d:\d\d:\d\d /, ''))).toEqual([
      'serving /home/me/photos on http://127.0.0.1:9000 (3 changes to catch up)',
      'warn: refused oss://local/b.jpg: empty: zero-byte file',
      'indexed 12 photos, 2 unchanged, 1 refused',
      'clustering done: 1 new person, 4 updated',
      'album: 63 photos, 120 faces, 14 people',
      'error: clustering.error — disk full triggerName=timer',
    ]);
    expect(out.join('\n')).not.toContain('{');
  });
});

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalMediaLinks, loadMediaSecret } from '../src/local/media/media-links';

const query = (url: string) => Object.fromEntries(new URL(url).searchParams);

describe('local media links', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-links-'));
  const secret = loadMediaSecret(join(dir, 'media-secret'));
  let now = Date.UTC(2026, 0, 1);
  const links = new LocalMediaLinks(
    secret,
    () => 'http://127.0.0.1:9000',
    900,
    () => now,
  );
  const otherDir = mkdtempSync(join(tmpdir(), 'fa-links-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(otherDir, { recursive: true, force: true });
  });

  it('keeps one owner-only secret per data dir', () => {
    expect(loadMediaSecret(join(dir, 'media-secret')).equals(secret)).toBe(true);
    expect(statSync(join(dir, 'media-secret')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'media-secret'), 'utf8')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('signs photo and face links that verify only for what they grant', () => {
    const photo = links.photoUrl('oss://local/dir/a b.jpg');
    expect(photo.startsWith('http://127.0.0.1:9000/media/photo?')).toBe(true);
    const q = query(photo);
    expect(q.key).toBe('dir/a b.jpg');
    expect(links.verify('photo', q)).toBe(true);
    // A photo link is not a face link, and other keys or a changed signature fail.
    expect(links.verify('face', q)).toBe(false);
    expect(links.verify('photo', { ...q, key: 'dir/other.jpg' })).toBe(false);
    expect(
      links.verify('photo', { ...q, sig: q.sig!.slice(0, -1) + (q.sig!.endsWith('A') ? 'B' : 'A') }),
    ).toBe(false);
    expect(links.verify('photo', { ...q, sig: undefined })).toBe(false);

    const face = query(
      links.faceUrl('oss://local/p.jpg', { left: 10.4, top: 20.6, width: 100, height: 120 }),
    );
    expect(face.box).toBe('10,21,100,120');
    expect(links.verify('face', face)).toBe(true);
    expect(links.verify('face', { ...face, box: '0,0,250,250' })).toBe(false);
  });

  it('expires links', () => {
    const q = query(links.photoUrl('oss://local/p.jpg'));
    now += 901_000 + 60_000;
    expect(links.verify('photo', q)).toBe(false);
  });

  it('names in epoch() exactly when the links it signs change (the API keeps bodies per epoch)', () => {
    let t = Date.UTC(2026, 0, 1, 12, 0, 0);
    let base = 'http://127.0.0.1:9000';
    const l = new LocalMediaLinks(
      secret,
      () => base,
      900,
      () => t,
    );
    const seen = new Map<string, string>();
    for (let s = 0; s < 180; s += 7) {
      t = Date.UTC(2026, 0, 1, 12, 0, s);
      const url = l.photoUrl('oss://local/p.jpg');
      const known = seen.get(l.epoch());
      if (known) expect(url).toBe(known);
      seen.set(l.epoch(), url);
    }
    expect(seen.size).toBeGreaterThanOrEqual(3);
    expect(new Set(seen.values()).size).toBe(seen.size);
    const before = l.epoch();
    base = 'http://localhost:9001';
    expect(l.epoch()).not.toBe(before);
  });

  it('a different data dir secret does not accept the link', () => {
    const other = new LocalMediaLinks(
      loadMediaSecret(join(otherDir, 'media-secret')),
      () => '',
      900,
      () => now,
    );
    expect(other.verify('photo', query(links.photoUrl('oss://local/p.jpg')))).toBe(false);
  });
});

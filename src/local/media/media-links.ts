import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { MediaLinks } from '../../album/backend';
import { parseOssUri } from '../../album/photo-filter';
import type { Box } from '../../album/types';

/** Signed links remembered (a few MB at most). */
const SIGNED_LINKS_KEPT = 20_000;

export type MediaKind = 'photo' | 'poster' | 'face';

/** Per-data-dir signing key, created on first use and readable by the owner only. */
export function loadMediaSecret(file: string): Buffer {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  chmodSync(file, 0o600);
  const hex = readFileSync(file, 'utf8').trim();
  // An empty or damaged key would sign links anyone can forge: refuse it rather than serve with it.
  if (!/^([0-9a-f]{2}){16,}$/i.test(hex))
    throw new Error(
      `the media signing key ${file} is empty or damaged (want at least 32 hex digits); delete it and a new one is made (links already handed out stop working)`,
    );
  return Buffer.from(hex, 'hex');
}

export const boxParam = (b: Box): string =>
  [b.left, b.top, b.width, b.height].map((v) => Math.round(v)).join(',');

export interface SignedMediaQuery {
  key: string;
  box?: string;
  exp: string;
  sig: string;
}

/**
 * Links to photo bytes and face crops on the local server. An <img> cannot send the API's bearer token,
 * so each link carries an expiring HMAC over what it grants, like an OSS signed URL does.
 */
export class LocalMediaLinks implements MediaLinks {
  /**
   * Links signed in the current expiry minute, by what they grant: a people page lists ~100 links and
   * is read again and again; an HMAC each time was a fifth of the page's cost. Bounded; cleared when full.
   */
  private readonly signed = new Map<string, string>();

  constructor(
    private readonly secret: Buffer,
    private readonly baseUrl: () => string,
    private readonly expiresSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  photoUrl(uri: string): string {
    return this.link('photo', uri);
  }

  posterUrl(uri: string): string {
    return this.link('poster', uri);
  }

  /** A video face's crop was cut from its frame at analysis time and is kept by box: no time needed. */
  faceUrl(uri: string, box: Box): string {
    return this.link('face', uri, boxParam(box));
  }

  /** True when the query was signed by us for this kind and has not expired. */
  verify(kind: MediaKind, q: Partial<SignedMediaQuery>): boolean {
    if (!q.key || !q.exp || !q.sig || !/^\d+$/.test(q.exp)) return false;
    if (Number(q.exp) * 1000 < this.now()) return false;
    const expected = Buffer.from(this.sign(kind, q.key, q.box ?? '', q.exp));
    const given = Buffer.from(q.sig);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The expiry and base URL every link signed now carries: links change exactly when this does. */
  epoch(): string {
    return `${this.expiry()}\n${this.baseUrl()}`;
  }

  // Expiry rounded up to the minute so repeated listings yield the same URL and browsers can cache.
  private expiry(): string {
    return String(Math.ceil((this.now() / 1000 + this.expiresSeconds) / 60) * 60);
  }

  private link(kind: MediaKind, uri: string, box?: string): string {
    const key = parseOssUri(uri)?.key ?? uri;
    const exp = this.expiry();
    const id = `${kind}\n${key}\n${box ?? ''}\n${exp}\n${this.baseUrl()}`;
    const known = this.signed.get(id);
    if (known) return known;
    if (this.signed.size >= SIGNED_LINKS_KEPT) this.signed.clear();
    const params = new URLSearchParams({
      key,
      ...(box ? { box } : {}),
      exp,
      sig: this.sign(kind, key, box ?? '', exp),
    });
    const url = `${this.baseUrl()}/media/${kind}?${params.toString()}`;
    this.signed.set(id, url);
    return url;
  }

  private sign(kind: MediaKind, key: string, box: string, exp: string): string {
    return createHmac('sha256', this.secret).update(`${kind}\n${key}\n${box}\n${exp}`).digest('base64url');
  }
}

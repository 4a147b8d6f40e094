import type { MediaLinks } from '../album/backend';
import { parseOssUri } from '../album/photo-filter';
import type { Box } from '../album/types';
import type { StsCredentials } from '../fc/fc-context';
import { frameUriOf } from './imm-video-records';
import { OssClients } from './oss-clients';

export interface OssMediaOptions {
  region: string;
  bucket: string;
  credentials: StsCredentials;
  expiresSeconds: number;
  /** Overrides `oss-<region>.aliyuncs.com` (OSS_ENDPOINT). Must be reachable by browsers. */
  endpoint?: string;
}

/** Face thumbnails: the box padded by 20 % on each side, clamped at the image's top-left edge. */
const PAD = 0.2;
const THUMB = 'resize,m_fill,w_160,h_160';

export function faceCropProcess(box: Box): string {
  const padX = box.width * PAD;
  const padY = box.height * PAD;
  const x = Math.max(0, Math.floor(box.left - padX));
  const y = Math.max(0, Math.floor(box.top - padY));
  // Width/height run from the clamped origin to the padded far edge; OSS clips at the image edge.
  const w = Math.max(1, Math.ceil(box.left + box.width + padX) - x);
  const h = Math.max(1, Math.ceil(box.top + box.height + padY) - y);
  return `image/auto-orient,1/crop,x_${x},y_${y},w_${w},h_${h}/${THUMB}`;
}

/**
 * Signed OSS URLs for photos and face crops. Signed with a public-endpoint, HTTPS client so
 * browsers can fetch them; with STS credentials a URL also stops working when the token expires.
 */
export class OssMediaLinks implements MediaLinks {
  private readonly clients: OssClients;

  constructor(private readonly opts: OssMediaOptions) {
    this.clients = new OssClients(opts, { secure: 'always' });
  }

  private sign(uri: string, process?: string): string {
    const parsed = parseOssUri(uri) ?? { bucket: this.opts.bucket, key: uri };
    const client = this.clients.for(parsed.bucket);
    // Expiry rounded up to the minute, so repeated listings yield the same URL and a browser reuses what
    // it fetched; the Cache-Control OSS answers with is constant for the same reason. ali-oss only takes
    // a lifetime (added to its own clock's whole second), so a second ticking over between our clock and
    // its one is corrected by signing again.
    const target = Math.ceil((Date.now() / 1000 + this.opts.expiresSeconds) / 60) * 60;
    let expires = target - Math.floor(Date.now() / 1000);
    let url = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      url = client.signatureUrl(parsed.key, {
        expires,
        response: { 'cache-control': `private, max-age=${this.opts.expiresSeconds}` },
        ...(process ? { process } : {}),
      });
      const signed = Number(new URL(url).searchParams.get('Expires'));
      if (signed === target) break;
      expires += target - signed;
    }
    return url;
  }

  photoUrl(uri: string): string {
    return this.sign(uri);
  }

  /** OSS video snapshot: the first frame, as a JPEG. */
  posterUrl(uri: string): string {
    return this.sign(uri, 'video/snapshot,t_0,f_jpg,m_fast');
  }

  faceUrl(uri: string, box: Box, timeSeconds?: number): string {
    // A video face was seen on a frame the indexer had IMM capture (src/imm/video-frames.ts): crop that image.
    const frame = timeSeconds !== undefined ? frameUriOf(uri, timeSeconds) : null;
    return this.sign(frame ?? uri, faceCropProcess(box));
  }
}

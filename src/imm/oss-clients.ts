import OSS from 'ali-oss';
import type { StsCredentials } from '../fc/fc-context';

export interface OssClientOptions {
  region: string;
  credentials: StsCredentials;
  endpoint?: string;
}

/** How a caller's clients differ: HTTPS always (URLs for browsers) or as the endpoint says, and a timeout. */
export interface OssClientStyle {
  secure: 'always' | 'as-endpoint';
  timeoutMs?: number;
}

/** One ali-oss client per bucket, built on first use with the function's STS credentials. */
export class OssClients {
  private readonly clients = new Map<string, OSS>();

  constructor(
    private readonly opts: OssClientOptions,
    private readonly style: OssClientStyle,
  ) {}

  for(bucket: string): OSS {
    let c = this.clients.get(bucket);
    if (!c) {
      const { credentials, region, endpoint } = this.opts;
      c = new OSS({
        region: `oss-${region}`,
        bucket,
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        stsToken: credentials.securityToken,
        secure: this.style.secure === 'always' || !endpoint?.startsWith('http://'),
        ...(this.style.timeoutMs ? { timeout: this.style.timeoutMs } : {}),
        // The runtime rebuilds these clients when FC hands out new STS keys; setting the interval
        // only tells ali-oss so (it warns on stderr otherwise).
        refreshSTSTokenInterval: 36 * 3600 * 1000,
        ...(endpoint ? { endpoint } : {}),
      });
      this.clients.set(bucket, c);
    }
    return c;
  }
}

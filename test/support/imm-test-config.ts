import type { ImmConfig } from '../../src/config/imm-config';

/** An IMM config for tests against the fake IMM: fast retries and polls; set `endpoint` to the fake's. */
export const TEST_IMM_CONFIG: ImmConfig = {
  project: 'p',
  dataset: 'd',
  region: 'cn-hangzhou',
  endpoint: undefined,
  autoCreate: false,
  serviceRole: 'AliyunIMMDefaultRole',
  clusterWaitSeconds: 30,
  retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 },
  poll: { minMs: 5, maxMs: 20 },
};

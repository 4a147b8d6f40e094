import type { ImmConfig } from '../config/imm-config';
import type { ImmClient } from '../imm/imm-client';
import { mapped } from '../imm/imm-errors-map';

export interface DatasetPage {
  uris: string[];
  nextToken: string | null;
}

/** The dataset's files under a URI prefix, a page (≤ 100, IMM's cap) at a time. */
export interface DatasetLister {
  listPage(uriPrefix: string, token: string | null): Promise<DatasetPage>;
}

/** SimpleQuery with a `prefix` condition on URI (imm-facts §9), only the URI field returned. */
export class ImmDatasetLister implements DatasetLister {
  constructor(
    private readonly client: ImmClient,
    private readonly config: ImmConfig,
  ) {}

  async listPage(uriPrefix: string, token: string | null): Promise<DatasetPage> {
    const res = await mapped(
      this.client.call('SimpleQuery', {
        ProjectName: this.config.project,
        DatasetName: this.config.dataset,
        Query: { Field: 'URI', Operation: 'prefix', Value: uriPrefix },
        WithFields: ['URI'],
        // No Sort: which fields IMM sorts on is not documented, and reconcile needs no order.
        MaxResults: 100,
        WithoutTotalHits: true,
        NextToken: token || undefined,
      }),
    );
    return { uris: (res.Files ?? []).map((f) => f.URI), nextToken: res.NextToken || null };
  }
}

/** What the API's middleware puts on a request's context: every route module types its app with it. */
export type ApiEnv = { Variables: { requestId: string } };

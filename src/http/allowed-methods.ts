/**
 * Methods the API answers. Others (TRACE, CONNECT, TRACK) cannot even become a fetch Request, so the
 * front doors (FC adapter, local server) answer them 405 themselves instead of failing with a 500.
 */
export const ALLOWED_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

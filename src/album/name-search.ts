/**
 * The form names are compared in for `GET /people?q=`: compatibility-decomposed (full-width Latin and
 * half-width kana fold to their usual forms), accents dropped, lower-cased. CJK characters pass through
 * unchanged, so "李" finds "李娜". Both backends match q and names in this form.
 */
export function normalizeName(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFC').toLowerCase();
}

/** Whether a person's name contains the query text (both normalized). */
export function nameContains(name: string | null, q: string): boolean {
  return name !== null && normalizeName(name).includes(normalizeName(q));
}

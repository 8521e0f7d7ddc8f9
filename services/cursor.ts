import { badRequest } from './errors.ts';

/**
 * The product listing's page cursor: base64url of `{"after":"prod-00020"}`, the last id of
 * the previous page. Keyset rather than offset, so a cursor stays correct for any filter and
 * never skips or repeats an item. Clients must treat it as opaque.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

const EXPECTED = 'expected a cursor returned as nextCursor by this endpoint';
const AFTER_ID = /^prod-\d{5}$/;

/** The id the next page starts after; a 400 for anything this service did not issue. */
export function decodeCursor(cursor: string): string {
  const fail = () => badRequest(`query.cursor: ${EXPECTED}, received a malformed cursor`);
  // Buffer's base64url decoder skips characters it does not know; insist on the canonical form.
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw fail();
  const json = Buffer.from(cursor, 'base64url').toString('utf8');
  if (Buffer.from(json).toString('base64url') !== cursor) throw fail();
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw fail();
  }
  const after = (parsed as { after?: unknown } | null)?.after;
  if (typeof after !== 'string' || !AFTER_ID.test(after)) throw fail();
  return after;
}

/**
 * The IETF `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header):
 * a client names one logical write; repeating the request with the same key
 * must not apply it twice. Part of the wire contract of every hop (client →
 * gateway → subgraph → REST), hence here.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Replays say so, as Stripe and the draft's examples do. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';

/** Printable ASCII without spaces or quotes; UUIDs (the draft's recommendation) fit. */
const KEY = /^[\x21\x23-\x7e]{1,255}$/;

/**
 * The key a header carries, or an error saying what was expected. The draft
 * makes the value a Structured Field string (`"8e03978e-…"`); a bare token
 * is accepted too, since most clients send one. Absent → undefined.
 */
export function parseIdempotencyKey(header: string | readonly string[] | undefined): { key: string | undefined } | { error: string } {
  if (header === undefined) return { key: undefined };
  if (typeof header !== 'string') return { error: 'Idempotency-Key: expected one header, received several' };
  const value = header.length >= 2 && header.startsWith('"') && header.endsWith('"') ? header.slice(1, -1) : header;
  if (!KEY.test(value)) return { error: 'Idempotency-Key: expected 1 to 255 printable characters (a UUID, say), without spaces' };
  return { key: value };
}

/**
 * The key of the n-th write (from 0) a request makes with one client key: an
 * operation with two `addToCart` fields is two writes, and each must be
 * remembered on its own. Deterministic, so a retry of the same operation maps
 * to the same keys.
 */
export function writeKey(key: string, index: number): string {
  return index === 0 ? key : `${key}#${index + 1}`;
}

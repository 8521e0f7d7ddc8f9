/**
 * The contract between the gateway and the subgraphs, beyond GraphQL itself.
 * Both sides import it from here; neither imports the other.
 *
 * Request headers the gateway sends on every subgraph fetch:
 * - IDENTITY_HEADER: the identity assertion the gateway signed (common/identity.ts verifies it);
 * - REQUEST_ID_HEADER: the client request's id, passed on to the REST services;
 * - DEADLINE_HEADER (deadline.ts): milliseconds the gateway will still wait.
 *
 * Response extensions a subgraph returns, which the gateway removes before anything
 * downstream sees them:
 * - REST_CALLS_EXTENSION: RestCallCounts (call-recorder.ts), summed over every fetch;
 * - FALLBACKS_EXTENSION: FallbackRecord[], gathered into the completeness signal.
 */
export const IDENTITY_HEADER = 'x-storefront-identity';
export const REQUEST_ID_HEADER = 'x-request-id';

export const REST_CALLS_EXTENSION = 'restCalls';
export const FALLBACKS_EXTENSION = 'fallbacks';

/** One optional field a subgraph answered with its fallback because its upstream failed. */
export interface FallbackRecord {
  readonly field: string;
  readonly service: string;
}

/** The well-formed records of a subgraph's `fallbacks` extension; anything else is dropped. */
export function readFallbackRecords(value: unknown): FallbackRecord[] {
  if (!Array.isArray(value)) return [];
  const records: FallbackRecord[] = [];
  for (const f of value as { field?: unknown; service?: unknown }[]) {
    if (typeof f?.field === 'string' && typeof f.service === 'string') records.push({ field: f.field, service: f.service });
  }
  return records;
}

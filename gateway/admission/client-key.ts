import { createHash } from 'node:crypto';
import type { Identity } from '../../common/identity.ts';

/**
 * Whose budget an operation is charged to: the signed-in user, else the API
 * key the client sent (hashed: keys are secrets and end up in Redis and logs),
 * else the caller's address.
 */
export function clientKeyOf(identity: Identity, apiKey: string | undefined, address: string): string {
  if (identity.userId !== null) return `user:${identity.userId}`;
  if (apiKey) return `key:${createHash('sha256').update(apiKey).digest('hex').slice(0, 32)}`;
  return `ip:${address}`;
}

export const API_KEY_HEADER = 'x-api-key';

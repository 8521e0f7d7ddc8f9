import type DataLoader from 'dataloader';
import type { RestFetch } from '../shared/context.ts';
import { batchLoader } from '../shared/loaders.ts';
import type { LoaderObservers } from '../shared/metrics.ts';

/** A user as the user REST service returns it. */
export interface RestUser {
  id: string;
  name: string;
  email: string;
  loyaltyTier: 'BRONZE' | 'SILVER' | 'GOLD' | 'PLATINUM';
  addresses: { id: string; label: string; line1: string; line2: string | null; city: string; postalCode: string; country: string }[];
  createdAt: string;
}

export interface UserLoaders {
  readonly users: DataLoader<string, RestUser>;
}

export function createUserLoaders(rest: RestFetch, observers?: LoaderObservers): UserLoaders {
  return {
    users: batchLoader<RestUser>(rest, { service: 'user', path: '/users', idsParam: 'ids', keyOf: (u) => u.id, resource: 'User' }, observers),
  };
}

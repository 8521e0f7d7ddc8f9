import type { Dataset } from './data/types.ts';

export const SERVICE_NAMES = ['user', 'catalog', 'cart', 'pricing', 'promotions'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function isServiceName(value: string): value is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(value);
}

/** What every service plugin is registered with. */
export interface ServiceOptions {
  dataset: Dataset;
  /** The clock promotions are judged active by. */
  now: () => Date;
}

import { Agent, request } from 'undici';
import { mintDevToken } from '../../common/dev-token.ts';
import { operation } from '../../test/support/operations.ts';

const FRONT_PAGE = operation('web', 'FrontPage');

/** What one FrontPage answer held, as a shopper would see it. */
export interface Sample {
  readonly startedAt: number;
  readonly ms: number;
  readonly status: number;
  readonly dataNull: boolean;
  readonly name: boolean;
  /** Every cart line the user has when all is well, each with quantity and product id. */
  readonly cartLines: boolean;
  readonly productNames: boolean;
  readonly prices: boolean;
  readonly featured: boolean;
  readonly completed: boolean;
  readonly fallbacks: readonly string[];
  readonly failedServices: readonly string[];
  /** Services named by the errors (extensions.serviceName / service). */
  readonly errorServices: readonly string[];
}

interface FrontPageData {
  me: { name: string; cart: { items: { quantity: number; product: { id: string; name: string; price: unknown } }[] } } | null;
  featuredProducts: unknown[];
}

export interface LoadTarget {
  readonly url: string;
  readonly users: readonly { readonly id: string; readonly token: string }[];
  /** Cart lines per user when healthy (from a warm-up pass). */
  readonly healthyLines: Map<string, number>;
}

const agent = new Agent({ connections: 32, keepAliveTimeout: 10_000 });

export async function prepareUsers(count: number): Promise<LoadTarget['users']> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const id = `user-${String(i + 1).padStart(4, '0')}`;
    return { id, token: await mintDevToken(id) };
  }));
}

export async function frontPage(url: string, user: { id: string; token: string }, healthyLines: Map<string, number> | undefined): Promise<Sample> {
  const startedAt = performance.now();
  let status = 0;
  let body: { data?: FrontPageData | null; errors?: { extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> } = {};
  let completed = false;
  try {
    const r = await request(url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query: FRONT_PAGE }),
      signal: AbortSignal.timeout(30_000),
    });
    status = r.statusCode;
    completed = r.headers['x-storefront-completed'] === 'true';
    body = (await r.body.json()) as typeof body;
  } catch {
    status = 0; // no answer at all
  }
  const ms = performance.now() - startedAt;
  const data = body.data ?? null;
  const items = data?.me?.cart.items;
  const expected = healthyLines?.get(user.id);
  return {
    startedAt,
    ms,
    status,
    dataNull: data === null,
    name: typeof data?.me?.name === 'string' && data.me.name.length > 0,
    cartLines: items !== undefined && (expected === undefined || items.length === expected) && items.every((i) => i.quantity > 0 && i.product.id.length > 0),
    productNames: items !== undefined && items.every((i) => i.product.name.length > 0),
    prices: items !== undefined && items.every((i) => i.product.price !== null),
    featured: (data?.featuredProducts?.length ?? 0) > 0,
    completed,
    fallbacks: (body.extensions?.['fallbacks'] as string[] | undefined) ?? [],
    failedServices: (body.extensions?.['failedServices'] as string[] | undefined) ?? [],
    errorServices: (body.errors ?? []).map((e) => String(e.extensions?.['serviceName'] ?? e.extensions?.['service'] ?? '?')),
  };
}

/**
 * Bounded closed-loop load: `connections` workers, each sending the next
 * user's FrontPage as soon as its previous one is answered, until `until()`.
 */
export async function runLoad(target: LoadTarget, connections: number, until: () => boolean, onSample: (s: Sample) => void): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: connections }, async () => {
    while (!until()) {
      const user = target.users[next++ % target.users.length]!;
      onSample(await frontPage(target.url, user, target.healthyLines));
    }
  }));
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function closeLoad(): Promise<void> {
  await agent.close();
}

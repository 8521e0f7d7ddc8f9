/**
 * What a subgraph's Cache-Control says about one fetch's answer. Apollo
 * Server's cache-control plugin computes it for exactly that fetch's selection
 * (entities' types, root fields' hints); the gateway already reads the same
 * header to build the client's Cache-Control, so this is the subgraph teams'
 * one declared policy, not a second one. As in Apollo Router: no header,
 * `no-store`, `max-age=0` or `private` = not cached here.
 */
export type CachePolicy = { readonly cacheable: false; readonly private: boolean } | { readonly cacheable: true; readonly maxAgeSeconds: number };

const UNCACHEABLE: CachePolicy = { cacheable: false, private: false };
const PRIVATE: CachePolicy = { cacheable: false, private: true };

export function policyOf(header: string | null | undefined, maxTtlSeconds: number): CachePolicy {
  if (!header) return UNCACHEABLE;
  let maxAge: number | undefined;
  let isPublic = false;
  for (const part of header.split(',')) {
    const [rawName, rawValue] = part.trim().split('=', 2);
    const name = rawName!.toLowerCase();
    if (name === 'private') return PRIVATE;
    if (name === 'no-store' || name === 'no-cache') return UNCACHEABLE;
    if (name === 'public') isPublic = true;
    // s-maxage is what shared caches obey; it wins over max-age when both are set.
    if ((name === 'max-age' && maxAge === undefined) || name === 's-maxage') {
      const value = rawValue?.replace(/^"|"$/g, '');
      if (value === undefined || !/^\d+$/.test(value)) return UNCACHEABLE;
      maxAge = Number(value);
    }
  }
  // Apollo Server always says `public` or `private`; without either the scope is
  // unknown, and unknown scope is treated as not shareable.
  if (!isPublic || maxAge === undefined || maxAge <= 0) return UNCACHEABLE;
  return { cacheable: true, maxAgeSeconds: Math.min(maxAge, maxTtlSeconds) };
}

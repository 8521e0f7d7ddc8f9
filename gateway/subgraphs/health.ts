import type { KeyObject } from 'node:crypto';
import { signIdentityAssertion } from '../../common/identity.ts';
import { IDENTITY_HEADER } from '../../common/upstream/wire.ts';
import type { Logger } from '../../common/logger.ts';

export type DependencyStatus = 'UP' | 'DOWN' | 'UNKNOWN';

/**
 * Probes every subgraph in the background with the query Apollo Gateway's own
 * health check sends (`{ __typename }`, anonymously signed), so readiness can
 * say which dependencies are unhealthy without the gateway refusing to start
 * or serve: a subgraph that is down costs its fields, not the whole gateway.
 */
export class SubgraphHealth {
  readonly #status = new Map<string, DependencyStatus>();
  #urls: ReadonlyMap<string, string> = new Map();
  #timer: NodeJS.Timeout | undefined;

  private readonly options: { intervalMs: number; timeoutMs: number; assertionKey: KeyObject; logger: Logger };

  constructor(options: { intervalMs: number; timeoutMs: number; assertionKey: KeyObject; logger: Logger }) {
    this.options = options;
  }

  /** Subgraphs to probe (name → URL); called on every supergraph (re)load. */
  watch(urls: ReadonlyMap<string, string>): void {
    this.#urls = urls;
    for (const name of urls.keys()) if (!this.#status.has(name)) this.#status.set(name, 'UNKNOWN');
    for (const name of [...this.#status.keys()]) if (!urls.has(name)) this.#status.delete(name);
    void this.probeAll();
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.probeAll(), this.options.intervalMs);
      this.#timer.unref();
    }
  }

  async probeAll(): Promise<void> {
    const assertion = await signIdentityAssertion(this.options.assertionKey, { userId: null });
    await Promise.all([...this.#urls].map(([name, url]) => this.#probe(name, url, assertion)));
  }

  async #probe(name: string, url: string, assertion: string): Promise<void> {
    let status: DependencyStatus = 'DOWN';
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [IDENTITY_HEADER]: assertion },
        body: JSON.stringify({ query: 'query __ApolloServiceHealthCheck__ { __typename }' }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.text();
      status = response.ok ? 'UP' : 'DOWN';
    } catch {
      status = 'DOWN';
    }
    const previous = this.#status.get(name);
    if (previous !== status && this.#urls.has(name)) {
      this.#status.set(name, status);
      if (previous !== undefined && previous !== 'UNKNOWN') this.options.logger.warn({ subgraph: name, from: previous, to: status }, 'subgraph health changed');
      else if (status === 'DOWN') this.options.logger.warn({ subgraph: name }, 'subgraph is down');
    }
  }

  snapshot(): Record<string, DependencyStatus> {
    return Object.fromEntries([...this.#status].sort(([a], [b]) => a.localeCompare(b)));
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

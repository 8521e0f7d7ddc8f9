/**
 * Closed-loop load: `workers` concurrent clients, each sending its next
 * request when the previous one is answered, each request from a distinct
 * user in turn. Every response is classified; a request is "ok" only with
 * HTTP 200 and no GraphQL errors.
 */
export interface LoadStats {
  sent: number;
  ok: number;
  /** Why each failed request failed: `status 502`, `errors THROTTLED`, `network …`. */
  failures: string[];
  /** Answered requests per replica (`x-served-by` from the load balancer). */
  byReplica: Record<string, number>;
}

export interface LoadOptions {
  readonly url: string;
  readonly workers: number;
  /** Request body and headers of the n-th request. */
  readonly request: (n: number) => { body: string; headers: Record<string, string> };
}

export interface RunningLoad {
  readonly stats: LoadStats;
  /** Stops sending and resolves once every request in flight is answered. */
  stop(): Promise<LoadStats>;
}

export function startLoad(options: LoadOptions): RunningLoad {
  const stats: LoadStats = { sent: 0, ok: 0, failures: [], byReplica: {} };
  let stopping = false;
  const worker = async () => {
    while (!stopping) {
      const { body, headers } = options.request(stats.sent++);
      try {
        const response = await fetch(options.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(15_000) });
        const text = await response.text();
        const servedBy = response.headers.get('x-served-by') ?? 'none';
        stats.byReplica[servedBy] = (stats.byReplica[servedBy] ?? 0) + 1;
        if (response.status !== 200) stats.failures.push(`status ${response.status} from ${servedBy}`);
        else if (text.includes('"errors"')) stats.failures.push(`errors ${/"code":"([A-Z_]+)"/.exec(text)?.[1] ?? '?'} from ${servedBy}`);
        else stats.ok += 1;
      } catch (error) {
        stats.failures.push(`network ${(error as Error).cause ? String((error as { cause: unknown }).cause) : (error as Error).message}`);
      }
    }
  };
  const running = Promise.all(Array.from({ length: options.workers }, worker));
  return {
    stats,
    async stop() {
      stopping = true;
      await running;
      return stats;
    },
  };
}

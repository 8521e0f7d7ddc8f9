/** Polls `url` until it answers 2xx; fails early when `exited()` says the process is gone. */
export async function waitHealthy(url: string, options: { timeoutMs: number; exited?: () => boolean; headers?: Record<string, string> }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (options.exited?.()) throw new Error('exited during start-up');
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000), headers: options.headers });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`not healthy after ${Math.round(options.timeoutMs / 1000)} s`);
}

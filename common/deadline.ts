/**
 * An abort signal that fires after `timeoutMs` (with the TimeoutError
 * DOMException AbortSignal.timeout gives), and `clear()` for when the work
 * finished first. Call clear() in a `finally`.
 *
 * Not AbortSignal.timeout: its timer cannot be cancelled, so it stays pending
 * for the whole delay after the work is done, and a pending timer holds the
 * async context it was started in (the request's trace context and what hangs
 * off it). With a 15 s request deadline and 10 s subgraph and REST deadlines,
 * that kept every request of the last 10 to 15 s in memory: about 0.7 KB a
 * timer and ten timers a front page, more the busier the process.
 */
export function startDeadline(timeoutMs: number): { readonly signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeoutMs);
  // Like AbortSignal.timeout's timer: a deadline alone must not keep the process alive.
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

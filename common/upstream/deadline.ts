/**
 * Deadline propagation from the gateway to the subgraphs, as Envoy's
 * `x-envoy-expected-rq-timeout-ms` and gRPC's `grpc-timeout` do it: each
 * subgraph fetch says how many milliseconds the gateway will still wait for
 * it (relative, so clocks need not agree), and the subgraph stops calling its
 * REST service once that time is spent instead of working for an answer
 * nobody will read.
 */
export const DEADLINE_HEADER = 'x-storefront-deadline-ms';

/** Whole milliseconds, nothing else: no sign, no exponent, no fraction, no list. */
const MILLISECONDS = /^\d+$/;

/**
 * The time budget of one subgraph request, in ms: the header's value when it
 * is one well-formed number, never more than `maxMs` (the subgraph's own
 * limit, so a hostile or mistaken value cannot lengthen anything); `maxMs`
 * when the header is absent or malformed (negative, fractional, not a number,
 * sent twice). Pure; the header is not signed, which is why it can only shorten.
 */
export function deadlineBudgetMs(header: string | readonly string[] | undefined, maxMs: number): number {
  if (typeof header !== 'string' || !MILLISECONDS.test(header)) return maxMs;
  return Math.min(Number(header), maxMs);
}

/** Milliseconds left until `deadlineAt` (a `performance.now()` time), never negative, rounded down. */
export function remainingMs(deadlineAt: number, now: number = performance.now()): number {
  return Math.max(0, Math.floor(deadlineAt - now));
}

/**
 * An abort signal that fires after `timeoutMs` (with the TimeoutError
 * DOMException AbortSignal.timeout gives), and `clear()` for when the work
 * finished first. Call clear() in a `finally`. With `parent`, it also aborts
 * when `parent` does, with `parent`'s reason.
 *
 * Not AbortSignal.timeout: its timer cannot be cancelled, so it stays pending
 * for the whole delay after the work is done, and a pending timer holds the
 * async context it was started in (the request's trace context and what hangs
 * off it). With a 15 s request deadline and 10 s subgraph and REST deadlines,
 * that kept every request of the last 10 to 15 s in memory: about 0.7 KB a
 * timer and ten timers a front page, more the busier the process.
 */
export function startDeadline(timeoutMs: number, parent?: AbortSignal): { readonly signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), timeoutMs);
  // Like AbortSignal.timeout's timer: a deadline alone must not keep the process alive.
  timer.unref();
  if (!parent) return { signal: controller.signal, clear: () => clearTimeout(timer) };
  // An outer deadline (the request's, around a subgraph fetch's) aborts this
  // one too, with its own reason. A listener removed in clear(), not
  // AbortSignal.any: that one tracks its sources through weak references and
  // a finalization registry, measured at ~0.2 ms of gateway CPU per front
  // page (one per subgraph fetch).
  const onParentAbort = () => {
    clearTimeout(timer);
    controller.abort(parent.reason);
  };
  if (parent.aborted) onParentAbort();
  else parent.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}

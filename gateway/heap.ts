import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full
 * collection before it collects again (its `--heap-growing-percent`).
 *
 * Left to itself, on a machine with a few GB of memory, V8 picks a factor of
 * up to 4 from its GC and allocation speeds, and its next limit is that factor
 * times the live heap plus the young generation's size. A gateway under load
 * promotes some of every in-flight request (answers of 50–125 KB, parsed
 * subgraph bodies) to the old generation, so it does run up to that limit:
 * with ~66 MB live after warm-up, 4 × 66 + 64 MB of old generation before the
 * first full collection, which is most of its peak RSS (docs/memory.md has the
 * measurements). At 50 % the limit is 1.5 × live + 64 MB; full collections
 * come about three times as often, each costing about what it costs now
 * (marking ~66 MB, mostly on a helper thread).
 *
 * Read by V8 each time it sets a limit, so setting it at start (after the
 * modules have loaded, before the supergraph is built) takes effect for every
 * full collection after that. Node keeps V8's flags writable after start-up
 * (it passes --no-freeze-flags-after-init); test/unit/heap.test.ts checks that
 * the Node we ship still honours it.
 */
export function limitHeapGrowth(percent: number): void {
  // 0 leaves V8's own choice in place (a `--heap-growing-percent` given to node, or none).
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}

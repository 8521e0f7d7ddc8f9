import { writeFileSync } from 'node:fs';

/**
 * Preloaded into each measured gateway (`--expose-gc --import ./bench/heap-probe.ts`):
 * on SIGUSR2 it collects garbage fully and writes `process.memoryUsage()` as
 * JSON to the file named by STOREFRONT_HEAP_PROBE_FILE. What survives a full
 * collection is what the process holds; VmHWM is that plus whatever garbage
 * V8 let pile up before collecting, which it sizes from what survives (the
 * old generation may grow to a few times its live size).
 */
const file = process.env['STOREFRONT_HEAP_PROBE_FILE'];
const gc = (globalThis as { gc?: () => void }).gc;
if (file && gc) {
  process.on('SIGUSR2', () => {
    // Twice: the first pass may leave objects whose finalizers freed more.
    gc();
    gc();
    writeFileSync(file, JSON.stringify(process.memoryUsage()));
  });
}

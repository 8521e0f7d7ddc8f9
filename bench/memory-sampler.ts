import { writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

/**
 * Preloaded into a gateway by bench/memory-probe.ts (`--expose-gc --import
 * ./bench/memory-sampler.ts`): every 100 ms it reads process.memoryUsage()
 * and V8's heap spaces and keeps the sample with the highest RSS, which is
 * what VmHWM counts, broken down. On SIGUSR2 it writes that sample and the
 * memory after two full collections to STOREFRONT_MEMORY_SAMPLER_FILE.
 */
const file = process.env['STOREFRONT_MEMORY_SAMPLER_FILE'];
const gc = (globalThis as { gc?: () => void }).gc;
const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));
const usageMb = () => Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, mb(v)]));

if (file && gc) {
  let top: { usage: Record<string, number>; spaces: Record<string, number> } | undefined;
  let topRss = 0;
  setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss <= topRss) return;
    topRss = rss;
    // Resident bytes of each V8 space (new_space: both semi-spaces).
    top = { usage: usageMb(), spaces: Object.fromEntries(getHeapSpaceStatistics().filter((s) => s.physical_space_size > 0).map((s) => [s.space_name, mb(s.physical_space_size)])) };
  }, 100).unref();
  process.on('SIGUSR2', () => {
    gc();
    gc();
    writeFileSync(file, JSON.stringify({ top, afterGc: usageMb() }));
  });
}

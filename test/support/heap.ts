import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// The test runner does not start node with --expose-gc; setting the flag at run
// time and reading `gc` from a fresh context is the documented way around it.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes the process holds after a full collection: JS heap plus ArrayBuffer backing stores (typed arrays). */
export function retainedBytes(): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

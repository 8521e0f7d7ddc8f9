/**
 * True if a file event in a watched folder is kubelet publishing a new
 * version of a ConfigMap or Secret volume. Kubelet's AtomicWriter never writes
 * the files a container reads: `<key>` is a symlink to `..data/<key>`, and an
 * update writes a `..<timestamp>` folder, points `..data_tmp` at it and renames
 * that over `..data`. The only events are for those dot-dot names, so a
 * watcher that waits for `<key>` misses every update. Readers re-read and
 * compare, so an extra reload costs a read, a missed one stale config.
 * (A volume mounted with `subPath` is never updated at all: do not use one.)
 */
export function isVolumeSwap(changed: string): boolean {
  return changed.startsWith('..');
}

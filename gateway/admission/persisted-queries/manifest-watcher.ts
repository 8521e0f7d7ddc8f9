import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from '../../../common/logger.ts';
import { isVolumeSwap } from '../../volume-swap.ts';
import { loadManifestIndex, ManifestError, releaseManifestNames, type ManifestIndex } from './manifest.ts';

export interface ManifestWatcherOptions {
  /** The main manifest first, then the extras. An empty list serves an empty index. */
  readonly paths: readonly string[];
  /**
   * Directories whose every `*.json` is a manifest too (shipped releases): read
   * again on each reload, so a release file added or deleted takes effect
   * without a restart. Default none.
   */
  readonly directories?: readonly string[];
  readonly logger: Logger;
  /** Reload when a file changes. Default true. */
  readonly watch?: boolean;
  /** Quiet time after the last file event before reloading; editors write in several steps. Default 100. */
  readonly debounceMs?: number;
  /** Called after every reload attempt (tests and metrics). */
  readonly onReload?: (event: ManifestReloadEvent) => void;
  /** Called for every file event in a watched folder, with whether it schedules a reload (tests: "ignored" is an event, not a wait). */
  readonly onFileEvent?: (event: { readonly file: string | null; readonly counted: boolean }) => void;
}

export type ManifestReloadEvent =
  | { readonly ok: true; readonly index: ManifestIndex }
  | { readonly ok: false; readonly error: ManifestError };

export interface ManifestWatcher {
  /** The index in force now: read it per request, never keep it. */
  current(): ManifestIndex;
  /** Stops watching. Idempotent. */
  close(): void;
}

/** Marks a watched directory whose every `*.json` counts. */
const ANY_JSON = new Set<string>();

/** A directory's `*.json` files, oldest release first. */
async function manifestsIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new ManifestError(dir, [`cannot read the directory (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return releaseManifestNames(names).map((n) => join(dir, n));
}

/**
 * Loads the manifests (throwing a ManifestError that lists every problem, so a
 * gateway never starts on a broken list), then reloads them all whenever one
 * changes. A reload that fails is logged and the previous index stays in force:
 * a bad deploy of the manifest must not turn into refusing every operation.
 */
export async function watchManifests(options: ManifestWatcherOptions): Promise<ManifestWatcher> {
  const files = options.paths.map((p) => resolve(p));
  const directories = (options.directories ?? []).map((d) => resolve(d));
  const currentPaths = async () => [...files, ...(await Promise.all(directories.map(manifestsIn))).flat()];
  let paths = await currentPaths();
  let index = await loadManifestIndex(paths);
  options.logger.info({ paths, operations: index.size }, 'persisted-query manifests loaded');

  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const reload = async (): Promise<void> => {
    try {
      paths = await currentPaths();
      index = await loadManifestIndex(paths);
      options.logger.info({ paths, operations: index.size }, 'persisted-query manifests reloaded');
      options.onReload?.({ ok: true, index });
    } catch (error) {
      const manifestError = error instanceof ManifestError ? error : new ManifestError(paths.join(', '), [(error as Error).message]);
      options.logger.error({ paths, problems: manifestError.problems }, 'persisted-query manifest rejected; keeping the previous one');
      options.onReload?.({ ok: false, error: manifestError });
    }
  };

  // One reload at a time; events during a reload queue exactly one more, so
  // the last write always wins and two reads never race.
  const schedule = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = reload().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        schedule();
      }
    });
  };

  if (options.watch ?? true) {
    // Watch folders, not files: an atomic write (a new file renamed over the
    // old one, as editors and deploy tools do) replaces the inode a file watch
    // is bound to, and the watch would go silent. A ConfigMap volume update is
    // a symlink swap (isVolumeSwap).
    const namesByDir = new Map<string, Set<string>>();
    for (const path of files) {
      const names = namesByDir.get(dirname(path)) ?? new Set<string>();
      names.add(basename(path));
      namesByDir.set(dirname(path), names);
    }
    for (const dir of directories) namesByDir.set(dir, ANY_JSON);
    for (const [dir, names] of namesByDir) {
      const watcher = watch(dir, { persistent: false }, (_event, changed) => {
        const counted = changed === null || isVolumeSwap(changed) || (names === ANY_JSON ? changed.endsWith('.json') : names.has(changed));
        options.onFileEvent?.({ file: changed, counted });
        if (!counted) return;
        clearTimeout(timer);
        timer = setTimeout(schedule, options.debounceMs ?? 100);
      });
      watcher.on('error', (error) => options.logger.error({ dir, reason: error.message }, 'persisted-query manifest watch failed; reloads stopped'));
      watchers.push(watcher);
    }
  }

  return {
    current: () => index,
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}

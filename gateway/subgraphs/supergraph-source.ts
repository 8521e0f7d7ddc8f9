import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { SupergraphSdlHook } from '@apollo/gateway';
import { Kind, parse } from 'graphql';
import type { Logger } from '../../common/logger.ts';
import { isVolumeSwap } from '../volume-swap.ts';

/** Subgraphs declared by a supergraph (`enum join__Graph { X @join__graph(name: "x", url: "...") }`). */
export function subgraphsOf(supergraphSdl: string): { name: string; url: string }[] {
  const document = parse(supergraphSdl, { noLocation: true });
  const subgraphs: { name: string; url: string }[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const name = directive?.arguments?.find((a) => a.name.value === 'name')?.value;
      const url = directive?.arguments?.find((a) => a.name.value === 'url')?.value;
      if (name?.kind === Kind.STRING) subgraphs.push({ name: name.value, url: url?.kind === Kind.STRING ? url.value : '' });
    }
  }
  return subgraphs;
}

export function subgraphNamesOf(supergraphSdl: string): string[] {
  return subgraphsOf(supergraphSdl).map((s) => s.name);
}

export interface SupergraphFileOptions {
  readonly path: string;
  readonly watch: boolean;
  readonly logger: Logger;
  /** Called with each SDL before it is used; throw to refuse it (e.g. an override names an unknown subgraph). */
  readonly check: (supergraphSdl: string) => void;
  /** Debounce for editors that write a file in several steps. */
  readonly debounceMs?: number;
}

/**
 * A supergraph read from a file, never from subgraph introspection, with hot
 * reload: when the file changes, the new SDL replaces the old one without a
 * restart. A file that does not load (unreadable, invalid, fails the check)
 * is logged and the previous supergraph stays in force.
 */
export function supergraphFromFile(options: SupergraphFileOptions): SupergraphSdlHook {
  return async ({ update }) => {
    const initial = await readFile(options.path, 'utf8');
    options.check(initial);
    let current = initial;
    let watcher: FSWatcher | undefined;
    let timer: NodeJS.Timeout | undefined;

    const reload = async () => {
      let next: string;
      try {
        next = await readFile(options.path, 'utf8');
      } catch (error) {
        options.logger.error({ path: options.path, code: (error as NodeJS.ErrnoException).code }, 'supergraph file unreadable; keeping the current supergraph');
        return;
      }
      if (next === current) return;
      try {
        options.check(next);
        update(next);
        current = next;
        options.logger.info({ path: options.path }, 'supergraph reloaded');
      } catch (error) {
        options.logger.error({ path: options.path, reason: (error as Error).message }, 'supergraph rejected; keeping the current supergraph');
      }
    };

    if (options.watch) {
      // Watch the folder, not the file: an atomic write (new file renamed over
      // the old, as editors do) replaces the inode a file watch is bound to.
      // A ConfigMap volume update is a symlink swap (isVolumeSwap). Each burst
      // of events is debounced into one reload.
      const name = basename(options.path);
      watcher = watch(dirname(options.path), { persistent: false }, (_event, changed) => {
        if (changed !== null && changed !== name && !isVolumeSwap(changed)) return;
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), options.debounceMs ?? 100);
      });
    }
    return {
      supergraphSdl: initial,
      cleanup: async () => {
        clearTimeout(timer);
        watcher?.close();
      },
    };
  };
}

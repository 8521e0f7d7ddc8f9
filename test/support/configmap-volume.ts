import { mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ConfigMapVolume {
  readonly dir: string;
  /** Publishes a new version of the ConfigMap's files, as kubelet does on an update. */
  update(files: Record<string, string>): void;
}

/**
 * A folder laid out and updated the way kubelet's AtomicWriter
 * (pkg/volume/util/atomic_writer.go) maintains a ConfigMap or Secret volume:
 *   <dir>/..2026_11_27_14_00_00.1/<key>   the files of one version
 *   <dir>/..data -> ..2026_11_27_14_00_00.1
 *   <dir>/<key>  -> ..data/<key>          what the container reads
 * An update writes a new version folder, points `..data_tmp` at it, renames
 * `..data_tmp` over `..data` (the one atomic step) and deletes the old folder.
 * The user-visible `<key>` symlinks never change, so a watcher that waits for
 * an event named `<key>` never hears about an update.
 */
export function configMapVolume(dir: string, files: Record<string, string>): ConfigMapVolume {
  let version = 0;
  const write = (next: Record<string, string>) => {
    version += 1;
    const versionDir = `..2026_11_27_14_00_00.${version}`;
    mkdirSync(join(dir, versionDir));
    for (const [key, text] of Object.entries(next)) writeFileSync(join(dir, versionDir, key), text);
    let previous: string | undefined;
    try {
      previous = readlinkSync(join(dir, '..data'));
    } catch {
      previous = undefined;
    }
    symlinkSync(versionDir, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    for (const key of Object.keys(next)) {
      try {
        symlinkSync(join('..data', key), join(dir, key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    if (previous !== undefined) {
      for (const key of Object.keys(files)) if (!(key in next)) unlinkSync(join(dir, key));
      rmSync(join(dir, previous), { recursive: true });
    }
    files = next;
  };
  write(files);
  return { dir, update: write };
}

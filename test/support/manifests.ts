import { readFileSync } from 'node:fs';

export interface ManifestEntry {
  id: string;
  name: string;
  type: string;
  body: string;
}

/** An operation of a client's committed manifest (persisted-queries/manifests/<client>.json). */
export function manifestOperation(client: 'web' | 'mobile', name: string): ManifestEntry {
  const manifest = JSON.parse(readFileSync(new URL(`../../persisted-queries/manifests/${client}.json`, import.meta.url), 'utf8')) as { operations: ManifestEntry[] };
  const entry = manifest.operations.find((o) => o.name === name);
  if (!entry) throw new Error(`no operation ${name} in the ${client} manifest`);
  return entry;
}

export function manifestText(operations: readonly ManifestEntry[]): string {
  return JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }, null, 2);
}

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createLogger } from '../../common/logger.ts';
import { hashOperation, MANIFEST_FORMAT, type PersistedQueryManifest } from '../../gateway/admission/persisted-queries/manifest.ts';
import { watchManifests, type ManifestWatcher } from '../../gateway/admission/persisted-queries/manifest-watcher.ts';
import { supergraphFromFile } from '../../gateway/subgraphs/supergraph-source.ts';
import { configMapVolume } from '../support/configmap-volume.ts';
import { waitFor } from '../support/wait.ts';

/**
 * The supergraph and the persisted-query manifests are mounted from
 * ConfigMaps in Kubernetes (deploy/kubernetes): an update there is a symlink
 * swap, never a write to the file the gateway reads.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const silentLogger = createLogger('test', 'silent');
const SUPERGRAPH = readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8');

function manifestWith(...bodies: string[]): string {
  const manifest: PersistedQueryManifest = { format: MANIFEST_FORMAT, version: 1, operations: bodies.map((body, i) => ({ id: hashOperation(body), name: `Op${i}`, type: 'query', body })) };
  return JSON.stringify(manifest);
}

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

describe('hot reload from a ConfigMap volume (kubelet swaps the ..data symlink)', () => {
  it('reloads the supergraph when kubelet publishes a new version', async () => {
    const volume = configMapVolume(mkdtempSync(join(tmpdir(), 'cm-supergraph-')), { 'supergraph.graphql': SUPERGRAPH });
    const updates: string[] = [];
    const hook = supergraphFromFile({ path: join(volume.dir, 'supergraph.graphql'), watch: true, logger: silentLogger, check: () => {}, debounceMs: 20 });
    const { supergraphSdl, cleanup } = await hook({ update: (sdl: string) => updates.push(sdl), healthCheck: async () => {}, getDataSource: () => { throw new Error('unused'); } });
    cleanups.push(cleanup!);
    assert.equal(supergraphSdl, SUPERGRAPH);

    const next = `${SUPERGRAPH}\n# published by the schema pipeline\n`;
    volume.update({ 'supergraph.graphql': next });
    await waitFor(() => updates.length === 1);
    assert.equal(updates[0], next);
  });

  it('reloads a manifest and a releases folder when either ConfigMap is updated', async () => {
    const base = mkdtempSync(join(tmpdir(), 'cm-pq-'));
    mkdirSync(join(base, 'manifest'));
    mkdirSync(join(base, 'releases'));
    const manifest = configMapVolume(join(base, 'manifest'), { 'web.json': manifestWith('{ a }') });
    const releases = configMapVolume(join(base, 'releases'), { '1.0.0.json': manifestWith('{ b }') });
    let reloads = 0;
    const watcher: ManifestWatcher = await watchManifests({
      paths: [join(manifest.dir, 'web.json')],
      directories: [releases.dir],
      logger: silentLogger,
      debounceMs: 20,
      onReload: (event) => {
        assert.ok(event.ok);
        reloads += 1;
      },
    });
    cleanups.push(() => watcher.close());
    assert.equal(watcher.current().size, 2);

    manifest.update({ 'web.json': manifestWith('{ a }', '{ c }') });
    await waitFor(() => watcher.current().size === 3);
    releases.update({ '1.0.0.json': manifestWith('{ b }'), '1.1.0.json': manifestWith('{ d }') });
    await waitFor(() => watcher.current().size === 4);
    assert.ok(watcher.current().byId(hashOperation('{ d }')), 'the new release is served');
    assert.ok(reloads >= 2);
  });
});

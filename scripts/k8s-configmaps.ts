import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import { releaseManifestNames } from '../gateway/admission/persisted-queries/manifest.ts';
import { PROFILE_NAMES } from '../gateway/profiles.ts';

/**
 * The ConfigMaps the gateway Deployments mount (deploy/kubernetes), built
 * from this checkout: the supergraph, each profile's persisted-query
 * manifest and the mobile releases' manifests. They are published on their
 * own, not by the kustomization, because updating them is a hot reload
 * (kubelet swaps the files in every pod within about a minute) and must not
 * roll the Deployments:
 *
 *   npm run -s k8s:configmaps | kubectl apply --server-side -f -
 */
export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; labels: Record<string, string> };
  data: Record<string, string>;
}

const configMap = (name: string, files: string[]): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels: { 'app.kubernetes.io/part-of': 'storefront' } },
  data: Object.fromEntries(files.map((f) => [basename(f), readFileSync(f, 'utf8')])),
});

export function publishedConfigMaps(root: string): ConfigMap[] {
  const maps = [configMap('storefront-supergraph', [join(root, 'schema/supergraph.graphql')])];
  for (const profile of PROFILE_NAMES) {
    maps.push(configMap(`storefront-pq-manifest-${profile}`, [join(root, `persisted-queries/manifests/${profile}.json`)]));
    let releases: string[] = [];
    try {
      releases = releaseManifestNames(readdirSync(join(root, `persisted-queries/releases/${profile}`)));
    } catch {
      // a profile without shipped releases
    }
    if (releases.length > 0) maps.push(configMap(`storefront-pq-releases-${profile}`, releases.map((n) => join(root, `persisted-queries/releases/${profile}`, n))));
  }
  return maps;
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  process.stdout.write(publishedConfigMaps(process.cwd()).map((m) => stringify(m, { blockQuote: 'literal', lineWidth: 0 })).join('---\n'));
}

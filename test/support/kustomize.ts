import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import jsonpatch, { type Operation } from 'fast-json-patch';
import { parseAllDocuments, parse as parseYaml } from 'yaml';

/**
 * Renders a kustomization the way `kustomize build` does, for the subset
 * deploy/kubernetes uses, so manifests are checked on machines with no
 * kustomize (Debian packages none; the npm registry has no build of it).
 * Anything outside the subset is an error, never ignored, so the renderer
 * cannot silently drift from kustomize; where kubectl is installed,
 * test/unit/kubernetes-manifests.test.ts compares the two outputs.
 * Subset: resources (files and folders), namePrefix/nameSuffix (with the
 * HorizontalPodAutoscaler's scaleTargetRef), labels (with includeSelectors)
 * and JSON 6902 patches targeted by kind and name.
 */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: Record<string, unknown> } & Record<string, unknown>;

interface Kustomization {
  resources?: string[];
  namePrefix?: string;
  nameSuffix?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean }[];
  patches?: { path: string; target: { kind: string; name: string } }[];
}

const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'namePrefix', 'nameSuffix', 'labels', 'patches']);

export function kustomize(dir: string): K8sObject[] {
  const k = parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization & Record<string, unknown>;
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length > 0) throw new Error(`${dir}/kustomization.yaml: ${unsupported.join(', ')} not supported by the test renderer`);
  let objects = (k.resources ?? []).flatMap((r) => {
    const path = resolve(dir, r);
    if (statSync(path).isDirectory()) return kustomize(path);
    return parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJSON() as K8sObject).filter(Boolean);
  });
  // kustomize runs patches before renaming: targets use the names in the resources.
  for (const patch of k.patches ?? []) {
    const ops = parseYaml(readFileSync(join(dir, patch.path), 'utf8')) as Operation[];
    const targets = objects.filter((o) => o.kind === patch.target.kind && o.metadata.name === patch.target.name);
    if (targets.length !== 1) throw new Error(`${dir}: patch ${patch.path} matches ${targets.length} objects`);
    objects = objects.map((o) => (o === targets[0] ? (jsonpatch.applyPatch(structuredClone(o), ops, true, false).newDocument as K8sObject) : o));
  }
  if (k.namePrefix || k.nameSuffix) objects = rename(objects, k.namePrefix ?? '', k.nameSuffix ?? '');
  for (const { pairs, includeSelectors } of k.labels ?? []) objects = objects.map((o) => label(o, pairs, includeSelectors ?? false));
  return objects;
}

function rename(objects: K8sObject[], prefix: string, suffix: string): K8sObject[] {
  const kinds = new Set(objects.map((o) => o.kind));
  // Renaming a ConfigMap or Secret means rewriting every reference to it; the subset leaves those outside the kustomization.
  for (const kind of ['ConfigMap', 'Secret']) if (kinds.has(kind)) throw new Error(`renaming a ${kind} is not supported by the test renderer`);
  const renamed = new Set(objects.map((o) => `${o.kind}/${o.metadata.name}`));
  return objects.map((o) => {
    const copy = structuredClone(o);
    copy.metadata.name = `${prefix}${o.metadata.name}${suffix}`;
    const ref = (copy.spec as { scaleTargetRef?: { kind: string; name: string } } | undefined)?.scaleTargetRef;
    if (copy.kind === 'HorizontalPodAutoscaler' && ref && renamed.has(`${ref.kind}/${ref.name}`)) ref.name = `${prefix}${ref.name}${suffix}`;
    return copy;
  });
}

type Labels = Record<string, string>;
const withPairs = (labels: Labels | undefined, pairs: Labels): Labels => ({ ...labels, ...pairs });

function label(o: K8sObject, pairs: Labels, includeSelectors: boolean): K8sObject {
  const copy = structuredClone(o);
  copy.metadata.labels = withPairs(copy.metadata.labels, pairs);
  if (!includeSelectors) return copy;
  const spec = copy.spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- untyped YAML walked by kind
  if (copy.kind === 'Service') spec['selector'] = withPairs(spec['selector'], pairs);
  if (copy.kind === 'PodDisruptionBudget') spec['selector'].matchLabels = withPairs(spec['selector'].matchLabels, pairs);
  if (copy.kind === 'Deployment') {
    spec['selector'].matchLabels = withPairs(spec['selector'].matchLabels, pairs);
    spec['template'].metadata.labels = withPairs(spec['template'].metadata.labels, pairs);
    for (const c of spec['template'].spec.topologySpreadConstraints ?? []) if (c.labelSelector) c.labelSelector.matchLabels = withPairs(c.labelSelector.matchLabels, pairs);
    if (spec['template'].spec.affinity) throw new Error('labels on affinity selectors are not supported by the test renderer');
  }
  return copy;
}

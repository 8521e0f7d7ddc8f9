import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { parseAllDocuments } from 'yaml';
import { publishedConfigMaps } from '../../scripts/k8s-configmaps.ts';
import { checkGatewayDeployment, podSpecOf } from '../support/gateway-manifest.ts';
import { kustomize, type K8sObject } from '../support/kustomize.ts';

/**
 * deploy/kubernetes, rendered and validated offline: against the Kubernetes
 * API schemas (kubernetes-models), and against what the gateway really reads.
 * No cluster runs here: scheduling, probes firing and rollouts are not
 * exercised (docs/deployment.md).
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const DEPLOY = join(ROOT, 'deploy/kubernetes');
const PROFILES = ['web', 'mobile'] as const;

const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'v1/ConfigMap': ConfigMap,
};

function validate(o: K8sObject): void {
  const Model = MODELS[`${o.apiVersion}/${o.kind}`];
  assert.ok(Model, `${o.apiVersion} ${o.kind} has a model in the test`);
  new Model(o as never).validate();
}

const all = kustomize(DEPLOY);
const find = (kind: string, name: string) => {
  const o = all.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name} rendered`);
  return o;
};
const deploymentOf = (profile: string) => find('Deployment', `gateway-${profile}`);

describe('Kubernetes manifests (deploy/kubernetes, rendered offline)', () => {
  it('render one Deployment, Service, PodDisruptionBudget and HorizontalPodAutoscaler per client profile, plus Redis', () => {
    const names = all.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    assert.deepEqual(names, [
      'Deployment/gateway-mobile', 'Deployment/gateway-web', 'Deployment/storefront-redis',
      'HorizontalPodAutoscaler/gateway-mobile', 'HorizontalPodAutoscaler/gateway-web',
      'PodDisruptionBudget/gateway-mobile', 'PodDisruptionBudget/gateway-web',
      'Service/gateway-mobile', 'Service/gateway-web', 'Service/storefront-redis',
    ]);
  });

  it('are valid Kubernetes API objects, and so are the published ConfigMaps', () => {
    for (const o of [...all, ...(publishedConfigMaps(ROOT) as unknown as K8sObject[])]) validate(o);
  });

  it('fail schema validation when a field has the wrong type (the validator is not a no-op)', () => {
    const broken = structuredClone(deploymentOf('web'));
    (podSpecOf(broken).containers[0]!.ports![0] as { containerPort: unknown }).containerPort = '4000';
    assert.throws(() => validate(broken), /containerPort must be integer/);
  });

  for (const profile of PROFILES) {
    it(`run the ${profile} gateway as the image does, with env names, ports, probes and mounts the gateway reads`, () => {
      assert.deepEqual(checkGatewayDeployment(deploymentOf(profile), profile), []);
    });

    it(`select the ${profile} pods, and only them, from the Service, the PodDisruptionBudget and the autoscaler`, () => {
      const podLabels = (deploymentOf(profile).spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
      const matches = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => podLabels[k] === v);
      const service = find('Service', `gateway-${profile}`).spec as { selector: Record<string, string>; ports: { targetPort: string }[] };
      assert.ok(matches(service.selector));
      assert.equal(service.ports[0]!.targetPort, 'http');
      const other = PROFILES.find((p) => p !== profile)!;
      const otherLabels = (deploymentOf(other).spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
      assert.ok(!Object.entries(service.selector).every(([k, v]) => otherLabels[k] === v), 'a profile\'s Service never selects the other profile\'s pods');
      assert.ok(matches((find('PodDisruptionBudget', `gateway-${profile}`).spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels));
      assert.deepEqual((find('HorizontalPodAutoscaler', `gateway-${profile}`).spec as { scaleTargetRef: unknown }).scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: `gateway-${profile}` });
    });
  }

  it('mount only ConfigMaps that npm run k8s:configmaps publishes', () => {
    const published = new Set(publishedConfigMaps(ROOT).map((m) => m.metadata.name));
    for (const profile of PROFILES) {
      for (const volume of podSpecOf(deploymentOf(profile)).volumes ?? []) if (volume.configMap) assert.ok(published.has(volume.configMap.name), volume.configMap.name);
    }
  });

  it('render as kubectl kustomize does, where kubectl is installed', (t) => {
    const kubectl = spawnSync('kubectl', ['kustomize', DEPLOY], { encoding: 'utf8' });
    if (kubectl.error) {
      // The renderer is the test's own; kubectl only cross-checks it where present.
      t.skip('kubectl is not installed: rendered by the test renderer only');
      return;
    }
    assert.equal(kubectl.status, 0, kubectl.stderr);
    const byName = (os: K8sObject[]) => Object.fromEntries(os.map((o) => [`${o.kind}/${o.metadata.name}`, o]));
    assert.deepEqual(byName(all), byName(parseAllDocuments(kubectl.stdout).map((d) => d.toJSON() as K8sObject)));
  });
});

describe('a manifest that does not match the gateway fails (mutations of the rendered web Deployment)', () => {
  const mutated = (mutate: (d: K8sObject) => void) => {
    const copy = structuredClone(deploymentOf('web'));
    mutate(copy);
    return checkGatewayDeployment(copy, 'web');
  };
  const container = (d: K8sObject) => podSpecOf(d).containers[0]!;
  const renameEnv = (from: string, to: string) => (d: K8sObject) => {
    container(d).env!.find((e) => e.name === from)!.name = to;
  };

  it('an env name with a typo', () => {
    assert.match(mutated(renameEnv('GATEWAY_SHUTDOWN_GRACE_MS', 'GATEWAY_SHUTDOWN_GRACE_MSS')).join('\n'), /env GATEWAY_SHUTDOWN_GRACE_MSS: not a variable the gateway reads/);
    assert.match(mutated(renameEnv('GATEWAY_PROFILE', 'GATEWAY_PROFIL')).join('\n'), /GATEWAY_PROFIL/);
  });

  it('an env name the gateway would ignore as foreign', () => {
    assert.match(mutated(renameEnv('GATEWAY_JWKS_URL', 'GATEWAY_OIDC_KEYS')).join('\n'), /env GATEWAY_OIDC_KEYS: not a variable the gateway reads/);
  });

  it('a subgraph the supergraph does not have', () => {
    assert.match(mutated(renameEnv('GATEWAY_SUBGRAPH_URL_CART', 'GATEWAY_SUBGRAPH_URL_BASKET')).join('\n'), /no subgraph basket/);
  });

  it('a value the config refuses, and a secret given as a literal', () => {
    assert.match(mutated((d) => (container(d).env!.find((e) => e.name === 'GATEWAY_PORT')!.value = 'http')).join('\n'), /config: port: /);
    assert.match(mutated((d) => Object.assign(container(d).env!.find((e) => e.name === 'GATEWAY_IDENTITY_SECRET')!, { value: 'x'.repeat(40), valueFrom: undefined })).join('\n'), /must come from a Secret/);
  });

  it('a container port, probe path, command or mount that is not the gateway\'s', () => {
    assert.match(mutated((d) => (container(d).ports![0]!.containerPort = 8080)).join('\n'), /containerPort http 8080 differs/);
    assert.match(mutated((d) => (container(d).readinessProbe!.httpGet!.path = '/ready')).join('\n'), /readiness probe path \/ready/);
    assert.match(mutated((d) => (container(d).livenessProbe!.httpGet!.path = '/healthz')).join('\n'), /liveness probe path \/healthz/);
    assert.match(mutated((d) => (container(d).command = ['node', '--import', 'tsx', 'gateway/main.ts'])).join('\n'), /is not the image's/);
    assert.match(mutated((d) => (container(d).volumeMounts![0]!.mountPath = '/app/supergraph')).join('\n'), /schema\/supergraph.graphql is not mounted/);
  });

  it('a shutdown that does not fit in the termination grace period, or stops accepting before endpoints update', () => {
    assert.match(mutated((d) => (podSpecOf(d).terminationGracePeriodSeconds = 20)).join('\n'), /do not fit in terminationGracePeriodSeconds/);
    assert.match(mutated((d) => (container(d).env = container(d).env!.filter((e) => e.name !== 'GATEWAY_SHUTDOWN_DELAY_MS'))).join('\n'), /no shutdownDelayMs and no preStop/);
  });

  it('service links left on', () => {
    assert.match(mutated((d) => (podSpecOf(d).enableServiceLinks = true)).join('\n'), /enableServiceLinks/);
  });
});

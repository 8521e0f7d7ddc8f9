import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { ConfigError } from '../../common/config.ts';
import type { IgnoredEnv } from '../../common/foreign-env.ts';
import { isGatewayEnvName, loadGatewayConfig } from '../../gateway/config.ts';
import { LIVENESS_PATH, READINESS_PATH } from '../../gateway/server.ts';
import { subgraphNamesOf } from '../../gateway/subgraphs/supergraph-source.ts';
import type { K8sObject } from './kustomize.ts';

/**
 * What a gateway Deployment runs, checked against the gateway itself: its
 * command, its environment (through the real config loader), ports, probe
 * paths and mounts. Returns every problem; an empty list means it matches.
 */
const ROOT = new URL('../../', import.meta.url).pathname;
/** Where the image puts the repository (Dockerfile WORKDIR). */
export const IMAGE_WORKDIR = '/app';
/** Secret values the check stands in for: long enough for secretSchema, never the dev ones. */
const SAMPLE_SECRETS: Record<string, string> = { 'identity-secret': 'k'.repeat(48), 'redis-url': 'redis://storefront-redis:6379', 'cache-invalidation-secret': 'c'.repeat(64) };
const ALLOWED_OTHER_ENV = new Set(['NODE_ENV']);

interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: unknown } }
interface Probe { httpGet?: { path: string; port: string | number } }
interface Container {
  name: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec { enableServiceLinks?: boolean; terminationGracePeriodSeconds?: number; containers: Container[]; volumes?: { name: string; configMap?: { name: string } }[] }

export function podSpecOf(deployment: K8sObject): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

/** The image's command, from the Dockerfile's CMD. */
export function imageCommand(): string[] {
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  return JSON.parse(cmd![1]!) as string[];
}

export function checkGatewayDeployment(deployment: K8sObject, profile: string): string[] {
  const problems: string[] = [];
  const pod = podSpecOf(deployment);
  if (pod.enableServiceLinks !== false) problems.push('enableServiceLinks must be false (service links collide with GATEWAY_* names)');
  const container = pod.containers.find((c) => c.name === 'gateway');
  if (!container) return [...problems, 'no container named gateway'];

  if (JSON.stringify(container.command) !== JSON.stringify(imageCommand())) problems.push(`command ${JSON.stringify(container.command)} is not the image's ${JSON.stringify(imageCommand())}`);
  const entry = container.command?.[1];
  if (!entry || !existsSync(join(ROOT, entry))) problems.push(`command runs ${entry}, which is not in the repository`);

  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.name.startsWith('GATEWAY_') ? !isGatewayEnvName(variable.name) : !ALLOWED_OTHER_ENV.has(variable.name)) problems.push(`env ${variable.name}: not a variable the gateway reads`);
    if (/SECRET/.test(variable.name) && variable.value !== undefined) problems.push(`env ${variable.name}: a secret must come from a Secret (valueFrom.secretKeyRef), not a literal`);
    const ref = variable.valueFrom?.secretKeyRef;
    const value = variable.value ?? (ref ? SAMPLE_SECRETS[ref.key] : undefined);
    if (value === undefined) problems.push(`env ${variable.name}: no value and no known Secret key`);
    else env[variable.name] = value;
  }
  let ignored: readonly IgnoredEnv[] = [];
  try {
    const config = loadGatewayConfig([], env, (i) => (ignored = i));
    if (ignored.length > 0) problems.push(`env ${ignored.map((i) => i.name).join(', ')}: ignored by the gateway`);
    if (config.profile !== profile) problems.push(`profile is ${config.profile}, expected ${profile}`);
    if (config.host !== '0.0.0.0') problems.push(`host ${config.host}: a pod must listen on all interfaces`);
    const http = container.ports?.find((p) => p.name === 'http');
    if (http?.containerPort !== config.port) problems.push(`containerPort http ${http?.containerPort} differs from the gateway's port ${config.port}`);
    const subgraphs = subgraphNamesOf(readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8'));
    for (const name of Object.keys(config.subgraphUrls)) if (!subgraphs.includes(name)) problems.push(`GATEWAY_SUBGRAPH_URL_${name.toUpperCase()}: no subgraph ${name} in the supergraph`);
    const mounted = (file: string) => container.volumeMounts?.find((m) => m.mountPath === posix.join(IMAGE_WORKDIR, dirname(file)));
    const supergraph = mounted(config.supergraphPath);
    if (configMapOf(pod, supergraph?.name) !== 'storefront-supergraph') problems.push(`${config.supergraphPath} is not mounted from the storefront-supergraph ConfigMap`);
    const manifest = config.persistedQueries.manifestPath ?? `persisted-queries/manifests/${profile}.json`;
    if (configMapOf(pod, mounted(manifest)?.name) !== `storefront-pq-manifest-${profile}`) problems.push(`${manifest} is not mounted from storefront-pq-manifest-${profile}`);
    const grace = (pod.terminationGracePeriodSeconds ?? 30) - (container.lifecycle?.preStop?.sleep?.seconds ?? 0);
    if ((config.shutdownDelayMs + config.shutdownGraceMs) / 1000 >= grace) problems.push(`shutdownDelayMs + shutdownGraceMs (${config.shutdownDelayMs + config.shutdownGraceMs} ms) do not fit in terminationGracePeriodSeconds after any preStop (${grace} s): kubelet would SIGKILL in-flight requests`);
    if (config.shutdownDelayMs === 0 && !container.lifecycle?.preStop) problems.push('no shutdownDelayMs and no preStop: requests routed while endpoints update meet a closed socket');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems.map((p) => `config: ${p}`));
  }
  const probe = (p: Probe | undefined, path: string, what: string) => {
    if (p?.httpGet?.path !== path) problems.push(`${what} probe path ${p?.httpGet?.path} is not ${path}`);
    else if (!container.ports?.some((port) => port.name === p.httpGet!.port || port.containerPort === p.httpGet!.port)) problems.push(`${what} probe port ${p.httpGet.port} is not a container port`);
  };
  probe(container.readinessProbe, READINESS_PATH, 'readiness');
  probe(container.livenessProbe, LIVENESS_PATH, 'liveness');
  return problems;
}

function configMapOf(pod: PodSpec, volume: string | undefined): string | undefined {
  return pod.volumes?.find((v) => v.name === volume)?.configMap?.name;
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../common/config.ts';
import type { IgnoredEnv } from '../../common/foreign-env.ts';
import { isServiceLink } from '../../common/foreign-env.ts';
import { loadGatewayConfig } from '../../gateway/config.ts';
import { loadSubgraphConfig } from '../../subgraphs/shared/config.ts';

/** What kubelet injects for a Service `name` with one port named `http` (pkg/kubelet/envvars). */
function serviceLinks(service: string, ip: string, port: number): Record<string, string> {
  const s = service.toUpperCase().replaceAll('-', '_');
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return {
    [`${s}_SERVICE_HOST`]: ip,
    [`${s}_SERVICE_PORT`]: String(port),
    [`${s}_SERVICE_PORT_HTTP`]: String(port),
    [`${s}_PORT`]: `tcp://${host}:${port}`,
    [`${s}_PORT_${port}_TCP`]: `tcp://${host}:${port}`,
    [`${s}_PORT_${port}_TCP_PROTO`]: 'tcp',
    [`${s}_PORT_${port}_TCP_PORT`]: String(port),
    [`${s}_PORT_${port}_TCP_ADDR`]: ip,
  };
}

function load(env: Record<string, string>) {
  let ignored: readonly IgnoredEnv[] = [];
  const config = loadGatewayConfig([], env, (i) => (ignored = i));
  return { config, ignored };
}

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadGatewayConfig([], env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return assert.fail('expected a ConfigError');
}

describe('foreign GATEWAY_* variables', () => {
  it('ignores the service links of a Service named "gateway", GATEWAY_PORT=tcp://… included, and reports every name', () => {
    const links = serviceLinks('gateway', '10.0.0.1', 4000);
    const { config, ignored } = load(links);
    assert.equal(config.port, 4000, 'the profile default, not the link');
    assert.deepEqual(ignored.map((i) => i.name).sort(), Object.keys(links).sort());
    assert.ok(ignored.every((i) => i.reason === 'service-link'));
  });

  it('ignores the links of Services named like the gateway (gateway-web, gateway-mobile), IPv6 cluster IPs included', () => {
    const { ignored } = load({ ...serviceLinks('gateway-web', 'fd00::a', 4000), ...serviceLinks('gateway-mobile', '10.0.0.2', 4010) });
    assert.equal(ignored.length, 16);
  });

  it('still reads our own GATEWAY_PORT next to the links', () => {
    const { config } = load({ ...serviceLinks('gateway', '10.0.0.1', 4000), GATEWAY_PORT: '4500' });
    assert.equal(config.port, 4500);
  });

  it('does not take a value kubelet would never write for a link: GATEWAY_PORT=tcp://not-an-ip:1 is refused as a port', () => {
    assert.match(problemsOf({ GATEWAY_PORT: 'tcp://gateway.local:4000' })[0]!, /^port: /);
    assert.equal(isServiceLink('GATEWAY_', 'GATEWAY_PORT_4000_TCP', 'tcp://10.0.0.1:4001'), false, 'port in the name and in the value differ');
    assert.equal(isServiceLink('GATEWAY_', 'GATEWAY_SERVICE_HOST', 'gateway.local'), false);
  });

  it('ignores a variable that resembles none of ours (GATEWAY_TIMEOUT) and reports it as foreign', () => {
    const { ignored } = load({ GATEWAY_TIMEOUT: '30' });
    assert.deepEqual(ignored, [{ name: 'GATEWAY_TIMEOUT', reason: 'foreign' }]);
  });

  it('refuses a typo of one of ours, naming the variable it resembles', () => {
    for (const [typo, meant] of [
      ['GATEWAY_PROT', 'GATEWAY_PORT'],
      ['GATEWAY_MAX_COTS', 'GATEWAY_MAX_COST'],
      ['GATEWAY_SUBGRAPH_TIMEOUT', 'GATEWAY_SUBGRAPH_TIMEOUT_MS'],
      ['GATEWAY_BUDGET_REDIS', 'GATEWAY_BUDGET_REDIS_URL'],
      ['GATEWAY_REDIS_URL', 'GATEWAY_APQ_REDIS_URL'],
      ['GATEWAY_SUBGRAPH_URLS_CATALOG', 'GATEWAY_SUBGRAPH_URL_<NAME>'],
    ] as const) {
      const problems = problemsOf({ [typo]: 'x' });
      assert.equal(problems.length, 1, typo);
      assert.ok(problems[0]!.startsWith(`${typo}: unknown environment variable; did you mean `) && problems[0]!.includes(meant), String(problems[0]));
    }
  });

  it('never reports a value, which may be a secret', () => {
    const { ignored } = load({ GATEWAY_API_TOKEN_FOR_SOMETHING_ELSE: 's3cret-value' });
    assert.ok(!JSON.stringify(ignored).includes('s3cret-value'));
    assert.ok(!problemsOf({ GATEWAY_JWT_SECRETT: 's3cret-value' }).join('\n').includes('s3cret-value'));
  });

  it('applies the same rule to SUBGRAPH_* (a Service named subgraph-catalog)', () => {
    let ignored: readonly IgnoredEnv[] = [];
    const env = { SUBGRAPH_NAME: 'catalog', SUBGRAPH_REST_URL: 'http://x/', ...serviceLinks('subgraph-catalog', '10.0.0.3', 4202), SUBGRAPH_TIMEOUT: '5' };
    const config = loadSubgraphConfig([], env, (i) => (ignored = i));
    assert.equal(config.subgraph, 'catalog');
    assert.equal(ignored.length, 9);
    assert.throws(() => loadSubgraphConfig([], { ...env, SUBGRAPH_REST_TIMEOUT: '5' }), /SUBGRAPH_REST_TIMEOUT: unknown environment variable; did you mean SUBGRAPH_REST_TIMEOUT_MS/);
  });
});

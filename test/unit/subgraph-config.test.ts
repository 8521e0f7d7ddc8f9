import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../common/config.ts';
import { loadSubgraphConfig } from '../../subgraphs/shared/config.ts';

describe('subgraph config', () => {
  it('requires the subgraph name and the REST URL, and reports both at once', () => {
    try {
      loadSubgraphConfig([], {});
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.problems.map((p) => p.split(':')[0]), ['subgraph', 'restUrl']);
    }
  });

  it('takes flags over SUBGRAPH_* variables', () => {
    const config = loadSubgraphConfig(['--port', '4300'], { SUBGRAPH_NAME: 'catalog', SUBGRAPH_PORT: '4200', SUBGRAPH_REST_URL: 'http://127.0.0.1:9/' });
    assert.equal(config.subgraph, 'catalog');
    assert.equal(config.port, 4300);
    assert.equal(config.restTimeoutMs, 5000);
    assert.equal(config.requestTimeoutMs, 10_000);
  });

  it('rejects an unknown SUBGRAPH_* variable', () => {
    assert.throws(() => loadSubgraphConfig([], { SUBGRAPH_NAME: 'catalog', SUBGRAPH_REST_URL: 'http://x/', SUBGRAPH_TIMEOUT: '5' }), /SUBGRAPH_TIMEOUT: unknown/);
  });
});

import type { FragmentDefinitionNode, SelectionSetNode } from 'graphql';
import { fieldsOf } from './fetch-shape.ts';

/**
 * A declared fallback shaped as the subgraph would have answered the fetch's
 * selection: aliases become response keys, unselected fields go, lists map
 * element-wise. Fallbacks are JSON, so a static object may carry
 * `__typename`; it is answered when selected.
 */
export function project(value: unknown, selection: SelectionSetNode | undefined, fragments: ReadonlyMap<string, FragmentDefinitionNode>): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => project(item, selection, fragments));
  if (!selection || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const typeName = typeof source['__typename'] === 'string' ? source['__typename'] : '';
  const out: Record<string, unknown> = {};
  for (const field of fieldsOf(selection, typeName, fragments)) {
    out[field.responseKey] = field.fieldName === '__typename' ? typeName : project(source[field.fieldName], field.selection, fragments);
  }
  return out;
}

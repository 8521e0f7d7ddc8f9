import { getNamedType, getNullableType, isListType, isNonNullType, isObjectType, isInterfaceType, isLeafType, type GraphQLOutputType } from 'graphql';
import { apiSchemaOf } from '../../common/api-schema.ts';
import { optionalFieldsOf, type DegradationConfig } from './config.ts';

/**
 * Every declared optional field must exist in the supergraph, and its fallback
 * must be a value of its type: a typo would silently leave a field critical,
 * and a null fallback on a non-null field would null its parent anyway. One
 * error lists every problem; the supergraph is then refused (at start, or the
 * previous one stays in force on a hot reload). The storefront's default
 * declarations (no `optionalFields` configured) apply to the coordinates a
 * supergraph has, so the gateway still starts on another team's graph.
 */
export function checkOptionalFields(supergraphSdl: string, config: Readonly<DegradationConfig>): void {
  const schema = apiSchemaOf(supergraphSdl);
  const problems: string[] = [];
  for (const [coordinate, { fallback }] of Object.entries(optionalFieldsOf(config))) {
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const type = schema.getType(typeName);
    const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[fieldName] : undefined;
    if (!field) {
      if (config.optionalFields !== undefined) problems.push(`degradation.optionalFields: ${coordinate} is not a field of the supergraph`);
      continue;
    }
    const mismatch = fits(fallback, field.type);
    if (mismatch) problems.push(`degradation.optionalFields.${coordinate}: the fallback ${JSON.stringify(fallback)} ${mismatch} (${String(field.type)})`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
}

/** Why `value` cannot stand for a `type` value, or undefined when it can (shallow for objects: their fields are projected). */
function fits(value: unknown, type: GraphQLOutputType): string | undefined {
  if (value === null) return isNonNullType(type) ? 'is null on a non-null field' : undefined;
  const inner = getNullableType(type);
  if (isListType(inner)) {
    if (!Array.isArray(value)) return 'is not a list';
    for (const item of value) {
      const problem = fits(item, inner.ofType as GraphQLOutputType);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isLeafType(getNamedType(inner))) return typeof value === 'object' ? 'is an object where a scalar is expected' : undefined;
  return typeof value === 'object' && !Array.isArray(value) ? undefined : 'is not an object';
}

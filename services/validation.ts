import { z } from 'zod';
import { badRequest, received } from './errors.ts';
import { MAX_BATCH_IDS, MAX_PAGE_SIZE } from './limits.ts';

export type InputLocation = 'query' | 'params' | 'body';

/**
 * Parses one part of a request or throws a 400 whose message names each bad field, what was
 * expected and what was received, e.g.
 * `body.quantity: expected an integer from 1 to 99, received 1000`.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: InputLocation): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw badRequest(result.error.issues.map((issue) => describeIssue(issue, where, schema)).join('; '));
}

/**
 * A batch id parameter: `?ids=a,b` (or repeated, `?ids=a&ids=b`), 1 to 100 non-empty ids.
 * Duplicates count towards the limit but are returned once, in first-occurrence order.
 * Ids are not pattern-checked: a batch omits ids it does not know, whatever their form.
 */
export function idListParam(): z.ZodType<string[]> {
  return z.unknown().transform((raw, ctx) => {
    const expected = `expected a comma-separated list of 1 to ${MAX_BATCH_IDS} ids`;
    const values = Array.isArray(raw) ? raw : [raw];
    if (raw === undefined || raw === '' || values.some((v) => typeof v !== 'string')) {
      ctx.addIssue({ code: 'custom', message: `${expected}, received ${received(raw)}` });
      return z.NEVER;
    }
    const ids = (values as string[]).flatMap((v) => v.split(','));
    if (ids.some((id) => id.trim() === '')) {
      ctx.addIssue({ code: 'custom', message: `${expected}, received an empty id in ${received(values.join(','))}` });
      return z.NEVER;
    }
    if (ids.length > MAX_BATCH_IDS) {
      ctx.addIssue({ code: 'custom', message: `expected at most ${MAX_BATCH_IDS} ids, received ${ids.length}` });
      return z.NEVER;
    }
    return [...new Set(ids.map((id) => id.trim()))];
  });
}

/** `?limit=`: an integer from 1 to MAX_PAGE_SIZE, as a decimal string. */
export function pageSizeParam(): z.ZodType<number> {
  return z.unknown().transform((raw, ctx) => {
    const n = typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
    if (n >= 1 && n <= MAX_PAGE_SIZE) return n;
    ctx.addIssue({ code: 'custom', message: `expected an integer from 1 to ${MAX_PAGE_SIZE}, received ${received(raw)}` });
    return z.NEVER;
  });
}

/** A path id of a fixed form, e.g. `idPattern(/^user-\d{4}$/, 'user-0001')`. */
export function idPattern(pattern: RegExp, example: string): z.ZodString {
  return z.string().regex(pattern, { error: `expected an id like ${example}` });
}

function describeIssue(issue: z.core.$ZodIssue, where: InputLocation, schema: z.ZodType): string {
  const field = [where, ...issue.path.map(String)].join('.');
  return `${field}: ${expectation(issue, where, schema)}`;
}

function expectation(issue: z.core.$ZodIssue, where: InputLocation, schema: z.ZodType): string {
  const got = `received ${received(issue.input)}`;
  switch (issue.code) {
    case 'custom':
      return issue.message;
    case 'invalid_type':
      if (issue.input === undefined && issue.path.length > 0) return `required, expected ${article(issue.expected)}`;
      return `expected ${article(issue.expected)}, ${got}`;
    case 'too_big':
    case 'too_small':
    case 'invalid_format':
      // Our schemas phrase these themselves (see idPattern); zod's default text is the fallback.
      return `${issue.message.replace(/^(Too big|Too small|Invalid string): /, '')}, ${got}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map(String).join(', ')}, ${got}`;
    case 'unrecognized_keys': {
      const known = schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
      const noun = where === 'query' ? 'parameter' : 'field';
      const expected = known.length > 0 ? `expected only ${known.join(', ')}` : `expected no ${noun}s`;
      return `${expected}, received unknown ${noun}${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => received(k)).join(', ')}`;
    }
    default:
      return `${issue.message}, ${got}`;
  }
}

function article(type: string): string {
  if (type === 'int') return 'an integer';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

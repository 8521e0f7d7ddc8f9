import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, validateConfig } from '../common/config.ts';

/**
 * Rover's supergraph config format (the subset that works offline): each subgraph
 * names its routing_url and a schema file. `schema.subgraph_url` (introspection)
 * is refused here on purpose: the gateway never introspects subgraphs at start, and
 * composition must be reproducible from files in the repository.
 */
const roverConfigSchema = z
  .object({
    federation_version: z.string().regex(/^=?2\.\d+(\.\d+)?$/, 'expected a Federation 2 version such as "=2.14.4"').optional(),
    subgraphs: z.record(
      z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'expected a subgraph name of letters, digits, _ or -'),
      z
        .object({
          routing_url: z.url({ message: 'expected an http(s) URL' }),
          schema: z.object({ file: z.string().min(1, 'expected a file path') }).strict(),
        })
        .strict(),
    ),
  })
  .strict()
  .refine((c) => Object.keys(c.subgraphs).length > 0, { message: 'expected at least one subgraph', path: ['subgraphs'] });

export interface SubgraphSource {
  readonly name: string;
  readonly routingUrl: string;
  /** Absolute path of the SDL file. */
  readonly schemaPath: string;
  readonly sdl: string;
}

/** Reads rover.yaml and every schema file it names; all problems are reported together. */
export function loadRoverConfig(path: string): SubgraphSource[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('rover.yaml', [`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ConfigError('rover.yaml', [`${path}: is not valid YAML (${(error as Error).message.split('\n')[0]})`]);
  }
  const config = validateConfig(roverConfigSchema, raw, `rover.yaml (${path})`);
  const base = dirname(resolve(path));
  const problems: string[] = [];
  const sources: SubgraphSource[] = [];
  for (const [name, subgraph] of Object.entries(config.subgraphs)) {
    const schemaPath = resolve(base, subgraph.schema.file);
    try {
      sources.push({ name, routingUrl: subgraph.routing_url, schemaPath, sdl: readFileSync(schemaPath, 'utf8') });
    } catch (error) {
      problems.push(`subgraphs.${name}.schema.file: cannot read ${subgraph.schema.file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(`rover.yaml (${path})`, problems);
  return sources;
}

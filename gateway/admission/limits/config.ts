import { z } from 'zod';
import { LIMIT_MODES, LIMIT_NAMES, type LimitName, type LimitPolicy, type LimitSetting } from './limits.ts';

/**
 * Config shape of the operation limits, for embedding in the gateway config
 * (e.g. `limits: limitPolicySchema.optional()`). Everything is optional: the
 * caller fills what is missing from the profile's DEFAULT_LIMITS with
 * applyLimitOverrides. Unknown keys are refused, so a typo (`maxDeph`) cannot
 * silently leave a limit at its default.
 *
 * ```json
 * { "limits": { "maxDepth": { "max": 12 }, "maxHeight": { "mode": "measure" }, "maxDirectives": { "max": null } } }
 * ```
 */
export const limitSettingSchema = z
  .object({
    /** Largest value allowed; null turns the limit off. Default: the profile's (docs/limits.md). */
    max: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    /** `measure` logs and counts violations but lets requests through; `enforce` refuses them (HTTP 400). Default enforce. */
    mode: z.enum(LIMIT_MODES).optional(),
  })
  .strict();

export const limitPolicySchema = z
  .object(Object.fromEntries(LIMIT_NAMES.map((name) => [name, limitSettingSchema.optional()])) as Record<
    LimitName,
    z.ZodOptional<typeof limitSettingSchema>
  >)
  .strict();

export type LimitSettingOverride = z.output<typeof limitSettingSchema>;
export type LimitPolicyOverrides = z.output<typeof limitPolicySchema>;

/** The profile's defaults with the configured overrides applied, setting by setting and field by field. */
export function applyLimitOverrides(defaults: LimitPolicy, overrides: LimitPolicyOverrides | undefined): LimitPolicy {
  const entries = LIMIT_NAMES.map((name): [LimitName, LimitSetting] => {
    const base = defaults[name];
    const override = overrides?.[name];
    return [
      name,
      Object.freeze({
        max: override?.max === undefined ? base.max : override.max,
        mode: override?.mode ?? base.mode,
      }),
    ];
  });
  return Object.freeze(Object.fromEntries(entries) as Record<LimitName, LimitSetting>);
}

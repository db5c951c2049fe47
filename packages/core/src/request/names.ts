import { INPUTS } from "./inputs.js";
import type { InputKey, InputNames } from "./types.js";

/** Every logical input key spelled as itself: the default when a host gives no spelling. */
const LOGICAL_NAMES = Object.fromEntries(Object.keys(INPUTS).map((key) => [key, key])) as InputNames;

/** The logical keys, in a stable order. */
export const INPUT_KEYS = Object.keys(LOGICAL_NAMES) as InputKey[];

/** Completes a host's partial spelling map with the logical keys. */
export function resolveInputNames(names: Partial<InputNames> = {}): InputNames {
  const resolved = { ...LOGICAL_NAMES };
  for (const key of INPUT_KEYS) {
    const spelled = names[key];
    if (spelled) resolved[key] = spelled;
  }
  return resolved;
}

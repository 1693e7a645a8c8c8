const DURATION_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Parses `300`, `300s`, `5m`, `12h`, `7d` into whole seconds. Returns null for anything else.
 *
 * @example parseDuration('5m') // 300
 */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d{1,9})\s*([smhd]?)\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * DURATION_UNITS[match[2]];
}

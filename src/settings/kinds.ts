/**
 * The kinds of setting and the one check each kind makes. The environment parser and
 * `settingsWith` both go through `check`: a variable's text is first turned into a value
 * (`fromText`), then checked exactly like a value given in code.
 *
 * @example
 * const rounds = integer(4, 31);
 * rounds.check(rounds.fromText('12')); // 12
 * rounds.check(3);                     // throws SettingProblem: 3 is not a whole number from 4 to 31
 */
import { parseDuration } from './duration';

/** A value a kind refuses; the loader turns it into a `SettingsError` that names the variable. */
export class SettingProblem extends Error {}

export interface Kind<T> {
  /** Which kind, for docs tooling. */
  readonly type: 'duration' | 'boolean' | 'integer' | 'optional integer' | 'one-of' | 'string' | 'optional string' | 'url';
  /** What the kind accepts, one short phrase for docs: `duration ≥ 1s`, `integer 4–31`, `one of a, b`. */
  readonly accepts: string;
  /** The value of a variable's (non-blank) text, before `check`. Throws `SettingProblem`. */
  fromText(text: string): unknown;
  /** The one check: returns the value typed, or throws `SettingProblem`. `shown` is how the value appears in the message. */
  check(value: unknown, shown?: string): T;
  /** The value of an unset variable that has no default (optional kinds only). */
  readonly unset?: T;
}

const show = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : typeof value === 'object' ? JSON.stringify(value) ?? String(value) : String(value));

/** Whole seconds, written `300`, `300s`, `5m`, `12h` or `7d` in the environment; a number in code. */
export function duration(min = 0): Kind<number> {
  return {
    type: 'duration',
    accepts: min > 0 ? `duration ≥ ${min}s` : 'duration',
    fromText(text) {
      const seconds = parseDuration(text);
      if (seconds === null) throw new SettingProblem(`${show(text)} is not a duration (use 300, 300s, 5m, 12h or 7d)`);
      return seconds;
    },
    check(value, shown = show(value)) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw new SettingProblem(`${shown} is not a duration (a whole number of seconds, 0 or more)`);
      }
      if (value < min) throw new SettingProblem(`must be at least ${min} second${min === 1 ? '' : 's'}`);
      return value;
    },
  };
}

const TRUE = ['true', '1', 'yes', 'on'];
const FALSE = ['false', '0', 'no', 'off'];

/** `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off` in the environment; a boolean in code. */
export function boolean(): Kind<boolean> {
  return {
    type: 'boolean',
    accepts: 'boolean',
    fromText(text) {
      const normal = text.trim().toLowerCase();
      if (TRUE.includes(normal)) return true;
      if (FALSE.includes(normal)) return false;
      throw new SettingProblem(`${show(text)} is not a boolean (use true or false)`);
    },
    check(value, shown = show(value)) {
      if (typeof value !== 'boolean') throw new SettingProblem(`${shown} is not a boolean (use true or false)`);
      return value;
    },
  };
}

/** A whole number from `min` to `max`. */
export function integer(min: number, max: number): Kind<number> {
  return {
    type: 'integer',
    accepts: `integer ${min}–${max}`,
    fromText(text) {
      return /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
    },
    check(value, shown = show(value)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
        throw new SettingProblem(`${shown} is not a whole number from ${min} to ${max}`);
      }
      return value;
    },
  };
}

/** A whole number from `min` to `max`, or null (unset): a port that is off unless given. */
export function optionalInteger(min: number, max: number): Kind<number | null> {
  const whole = integer(min, max);
  return {
    type: 'optional integer',
    accepts: `optional integer ${min}–${max}`,
    unset: null,
    fromText: whole.fromText,
    check: (value, shown) => (value === null ? null : whole.check(value, shown)),
  };
}

/** One of a fixed list of words. */
export function oneOf<T extends string>(allowed: readonly T[]): Kind<T> {
  return {
    type: 'one-of',
    accepts: `one of ${allowed.join(', ')}`,
    fromText: (text) => text.trim(),
    check(value, shown = show(value)) {
      if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
        throw new SettingProblem(`${shown} is not one of ${allowed.join(', ')}`);
      }
      return value as T;
    },
  };
}

interface TextRule {
  /** What the text must match, and the message's words for it (`is not a single word`). */
  pattern?: RegExp;
  problem?: string;
  /** For docs: what the pattern accepts (`single word`). */
  accepts?: string;
}

function checkText(value: unknown, shown: string, rule: TextRule): string {
  if (typeof value !== 'string' || value === '') throw new SettingProblem(`${shown} is not a non-empty string`);
  if (rule.pattern && !rule.pattern.test(value)) throw new SettingProblem(`${shown} ${rule.problem ?? `does not match ${rule.pattern}`}`);
  return value;
}

/** Text (trimmed in the environment), required: the table gives the default. */
export function text(rule: TextRule = {}): Kind<string> {
  return {
    type: 'string',
    accepts: rule.accepts ?? 'string',
    fromText: (raw) => raw.trim(),
    check: (value, shown = show(value)) => checkText(value, shown, rule),
  };
}

/**
 * Text or null (unset). `trim: false` keeps the text as given (`JWT_SECRET`: every byte is
 * key material); `secret: true` never shows the value in a message.
 */
export function optionalText(options: TextRule & { trim?: boolean; secret?: boolean } = {}): Kind<string | null> {
  const trim = options.trim ?? true;
  return {
    type: 'optional string',
    accepts: 'optional string',
    unset: null,
    fromText: (raw) => (trim ? raw.trim() : raw),
    check(value, shown = show(value)) {
      if (value === null) return null;
      return checkText(value, options.secret ? 'the value' : shown, options);
    },
  };
}

/**
 * A connection URL that must match `pattern`. The value is never shown in a message: it may
 * hold a password.
 */
export function url(pattern: RegExp, use: string, options: { optional: true }): Kind<string | null>;
export function url(pattern: RegExp, use: string): Kind<string>;
export function url(pattern: RegExp, use: string, options: { optional?: boolean } = {}): Kind<string | null> {
  return {
    type: 'url',
    accepts: options.optional ? `optional URL (${use})` : `URL (${use})`,
    ...(options.optional ? { unset: null } : {}),
    fromText: (raw) => raw.trim(),
    check(value) {
      if (value === null && options.optional) return null;
      if (typeof value !== 'string' || !pattern.test(value)) throw new SettingProblem(`is not a URL Gatehouse can use (${use})`);
      return value;
    },
  };
}

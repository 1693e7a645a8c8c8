/**
 * Every setting Gatehouse reads, its default and its validation, in one place (the folder
 * `settings/`): the table (`table.ts`), the typed groups (`types.ts`), the kinds and their
 * checks (`kinds.ts`), the one loader (`load.ts`), and the check for variables that look like
 * settings but are not (`unknown.ts`). This file only gathers them, so `import … from
 * './settings'` works from anywhere.
 *
 * @example
 * import { loadSettings } from './settings';
 * loadSettings(process.env).tokens.accessLifetime; // 300
 */
export * from './settings/types';
export { SettingsError } from './settings/error';
export { parseDuration } from './settings/duration';
export { SETTINGS, type Setting } from './settings/table';
export type { Kind } from './settings/kinds';
export { loadSettings, settingsWith, MIN_SECRET_BYTES, type Env } from './settings/load';
export { unknownSettings, type UnknownSetting } from './settings/unknown';

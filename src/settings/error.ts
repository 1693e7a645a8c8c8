/**
 * A setting has a value Gatehouse cannot use. `message` is one line that names the variable
 * (`variable`), whether the value came from the environment or from `settingsWith`.
 *
 * @example
 * try { loadSettings({ PORT: '70000' }); } catch (e) { (e as SettingsError).variable; } // 'PORT'
 */
export class SettingsError extends Error {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`Invalid setting ${variable}: ${problem}`);
    this.name = 'SettingsError';
    this.variable = variable;
  }
}

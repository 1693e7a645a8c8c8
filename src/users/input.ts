/** The checks of a user's input that need no database: the CLI runs them before it opens one. */

/** Why a new user cannot be made as asked. `code` is stable for callers (CLI, hooks). */
export class UserInputError extends Error {
  constructor(readonly code: 'INVALID_USERNAME' | 'INVALID_PASSWORD' | 'INVALID_EMAIL' | 'INVALID_ROLE' | 'DUPLICATE_USERNAME' | 'DUPLICATE_EMAIL' | 'UNKNOWN_USER', message: string) {
    super(message);
    this.name = 'UserInputError';
  }
}

const USERNAME = /^[\w.@+-]{1,150}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Whether the text is an e-mail address Gatehouse accepts: `local@domain`, no spaces or control characters, at most 254 characters. Pure. */
export function isEmailAddress(text: string): boolean {
  return text.length <= 254 && EMAIL.test(text) && !/[\u0000-\u001f\u007f]/.test(text);
}

/** Whether the text is a username Gatehouse accepts (1 to 150 letters, digits or @ . + - _). Pure. */
export function isUsername(text: string): boolean {
  return USERNAME.test(text);
}

import type { EntityManager } from '@mikro-orm/core';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { User } from '../entities';
import { hashPassword, passwordProblem } from '../passwords/hash';
import { isEmailAddress, isUsername, UserInputError } from './input';

// In a module of their own, so that checking input (the CLI, before it opens a database) loads no ORM.
export { isEmailAddress, isUsername, UserInputError };

export interface NewUser {
  username: string;
  password: string;
  email?: string | null;
  /** Whether the address counts as verified (default: true when one is given: an administrator vouches for it). */
  emailVerified?: boolean;
  roles?: string[];
}

const ROLE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Checks a new user's fields; returns the first problem, or null. Pure. */
export function newUserProblem(input: NewUser): UserInputError | null {
  if (!isUsername(input.username)) {
    return new UserInputError('INVALID_USERNAME', 'The username must be 1 to 150 letters, digits or @ . + - _ characters.');
  }
  const password = passwordProblem(input.password);
  if (password) return new UserInputError('INVALID_PASSWORD', password);
  if (input.email != null && !isEmailAddress(input.email)) {
    return new UserInputError('INVALID_EMAIL', `"${input.email}" is not an email address.`);
  }
  const badRole = (input.roles ?? []).find((role) => !ROLE.test(role));
  if (badRole !== undefined) return new UserInputError('INVALID_ROLE', `"${badRole}" is not a valid role name.`);
  return null;
}

/** Creates a user with a bcrypt-hashed password. Throws `UserInputError`. */
export async function createUser(em: EntityManager, input: NewUser, bcryptRounds: number): Promise<User> {
  const problem = newUserProblem(input);
  if (problem) throw problem;
  const duplicate = () => new UserInputError('DUPLICATE_USERNAME', `A user named "${input.username}" already exists.`);
  if (await em.count(User, { username: input.username })) throw duplicate();
  if (input.email != null && (await em.getConnection().execute('select id from gatehouse_user where lower(email) = lower(?)', [input.email], 'all')).length > 0) {
    throw new UserInputError('DUPLICATE_EMAIL', `Another user has the address "${input.email}".`);
  }
  const user = em.create(User, {
    username: input.username,
    email: input.email ?? null,
    emailVerified: input.email != null && (input.emailVerified ?? true),
    roles: [...new Set(input.roles ?? [])],
    passwordHash: await hashPassword(input.password, bcryptRounds),
  });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw String(error.message).includes('email') ? new UserInputError('DUPLICATE_EMAIL', `Another user has the address "${input.email}".`) : duplicate();
    throw error;
  }
  return user;
}

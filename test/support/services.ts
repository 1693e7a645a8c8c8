import { execFileSync } from 'node:child_process';

/**
 * Suites that need PostgreSQL or Redis skip when it does not answer, so `npm test` runs on a
 * laptop without them. CI must not pass that way: `.ci/run` sets
 * `GATEHOUSE_REQUIRE_SERVICES=1`, and then a service that does not answer fails the run,
 * naming the service and where it was asked.
 */

/** True when a missing service must fail the run (`GATEHOUSE_REQUIRE_SERVICES=1`). */
export const servicesRequired = process.env.GATEHOUSE_REQUIRE_SERVICES === '1';

/** Thrown, when services are required, where a suite would otherwise be skipped. */
export class ServiceMissing extends Error {
  override name = 'ServiceMissing';
}

/**
 * The `skip` option for a suite that needs a service: `false` when nothing is missing, else
 * the reason (printed once as a `#` line). Under `GATEHOUSE_REQUIRE_SERVICES=1` a missing
 * service throws instead, at declaration, so the test file fails with the reason.
 *
 * @example
 * describe('limits shared through Redis', { skip: skipOrFail(redisAnswersSync() ? false : 'Redis does not answer at …') }, () => …);
 */
export function skipOrFail(missing: string | false): string | false {
  if (!missing) return false;
  if (servicesRequired) throw new ServiceMissing(`${missing}, and GATEHOUSE_REQUIRE_SERVICES=1 makes that a failure, not a skip`);
  return missing;
}

const answered = new Map<'postgresql' | 'redis', boolean>();

/**
 * Whether `service` answers, synchronously (so suites can be skipped when declared), asked
 * once per process: as tools/run-tests.ts found when it asked, once for the whole run,
 * before starting the test processes (TEST_SERVICES_ANSWERED: the names that did, e.g.
 * "postgresql redis"); else, for a file run on its own, by running `check` (an async function
 * exported by the compiled module `file`, resolving true when the service answers) in a
 * process of its own and waiting for it.
 */
export function answersSync(service: 'postgresql' | 'redis', file: string, check: string): boolean {
  let answer = answered.get(service);
  if (answer === undefined) {
    const forTheRun = process.env.TEST_SERVICES_ANSWERED;
    answer = forTheRun === undefined ? askInAProcess(file, check) : forTheRun.split(' ').includes(service);
    answered.set(service, answer);
  }
  return answer;
}

function askInAProcess(file: string, check: string): boolean {
  const script = `require(${JSON.stringify(file)}).${check}().then((ok) => process.exit(ok ? 0 : 1), () => process.exit(1))`;
  try {
    execFileSync(process.execPath, ['-e', script], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** A service URL fit to print: any password is replaced by `***`. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

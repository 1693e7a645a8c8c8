import pino, { type DestinationStream, type Logger } from 'pino';
import type { Settings } from '../settings';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out should anything try to log them. Gatehouse's own lines carry no
 * secrets by construction (see `audit`); this is the safety net.
 */
export const REDACTED_PATHS = [
  'password', 'newPassword', 'oldPassword', 'token', 'refreshToken', 'authorization', 'cookie',
  '*.password', '*.newPassword', '*.oldPassword', '*.token', '*.refreshToken', '*.authorization', '*.cookie',
  'headers["refresh-token"]', '*.headers["refresh-token"]',
];

/**
 * Gatehouse's structured logger: one JSON object per line, at `LOG_LEVEL`.
 *
 * @example
 * const log = createLogger(settings);                    // stdout
 * const log = createLogger(settings, { write: (line) => lines.push(line) }); // anywhere
 */
export function createLogger(settings: Pick<Settings, 'logging'>, destination?: DestinationStream): Logger {
  const options = {
    level: settings.logging.level,
    base: { service: 'gatehouse' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  // stdout without a blocking write per line: lines written while one write is under way go
  // out together. pino flushes what is left when the process exits.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

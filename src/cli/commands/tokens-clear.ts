import { parseArgs } from 'node:util';
import type * as ClearTokens from '../../maintenance/clear-tokens';
import { loadSettings } from '../../settings';
import { systemClock } from '../../util/clock';
import { type Command, HELP_OPTION, UsageError, withDatabase } from '../command';

/** How often a progress line is written while clearing, milliseconds. */
const PROGRESS_EVERY_MS = 2000;
/** Rows per transaction unless --batch-size says otherwise. */
const DEFAULT_BATCH = 1000;
/**
 * Rest after each batch, as a multiple of the batch's own time, unless --rest says otherwise:
 * 2 keeps the database busy with the clear at most a third of the time.
 */
const DEFAULT_REST = 2;

export const tokensClear: Command = {
  summary: 'Delete expired and revoked tokens and ended devices.',
  usage:
    'gatehouse-graphql tokens clear [--batch-size N] [--rest R]\n\n' +
    'Deletes ended (logged-out or expired) devices with their tokens, then revoked refresh tokens.\n' +
    'Live sessions and app tokens are kept; rotated tokens lose their sealed successor once past\n' +
    'the grace window (JWT_REFRESH_REUSE_INTERVAL). Works in short transactions of at most N rows\n' +
    `(default ${DEFAULT_BATCH}), and after each rests R times as long as it took (default ${DEFAULT_REST}; 0 never\n` +
    'rests), so it is safe while the server serves (e.g. daily from cron); prints its progress;\n' +
    'Ctrl-C stops after the current batch, and running it again goes on.\n',
  async run(argv, io) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { ...HELP_OPTION, 'batch-size': { type: 'string' }, rest: { type: 'string' } } });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const batchText = values['batch-size'] ?? String(DEFAULT_BATCH);
    const batchSize = /^\d{1,6}$/.test(batchText) ? Number(batchText) : NaN;
    if (!(batchSize >= 1)) throw new UsageError(`--batch-size takes a whole number from 1 to 999999, not "${batchText}"`);
    const restText = values.rest ?? String(DEFAULT_REST);
    const rest = /^\d{1,3}(\.\d{1,3})?$/.test(restText) ? Number(restText) : NaN;
    if (!(rest >= 0 && rest <= 100)) throw new UsageError(`--rest takes a number from 0 to 100, not "${restText}"`);
    let stopping = false;
    const onSignal = () => {
      stopping = true;
      io.err('gatehouse-graphql tokens clear: stopping after the current batch…');
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let lastReport = systemClock.now();
    try {
      const settings = loadSettings(io.env);
      const { clearTokens } = require('../../maintenance/clear-tokens') as typeof ClearTokens;
      const cleared = await withDatabase(settings, (orm) =>
        clearTokens(orm, {
          nowMs: systemClock.now(),
          reuseIntervalSeconds: settings.sessions.reuseInterval,
          batchSize,
          shouldStop: () => stopping,
          rest,
          onProgress: (so) => {
            if (systemClock.now() - lastReport < PROGRESS_EVERY_MS) return;
            lastReport = systemClock.now();
            io.out(`… ${so.tokens} token(s) and ${so.devices} device(s) deleted so far`);
          },
        }),
      );
      io.out(`Deleted ${cleared.tokens} token(s) and ${cleared.devices} device(s); cleared ${cleared.sealed} sealed successor(s).${cleared.stopped ? ' Stopped before the end: run it again to go on.' : ''}`);
      return cleared.stopped ? 1 : 0;
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  },
};

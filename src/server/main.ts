#!/usr/bin/env node
/** `npm start`: read the settings, migrate, serve. Stops on SIGTERM/SIGINT after in-flight requests. */
import { loadSettings, SettingsError } from '../settings';
import { startGatehouse } from './app';
import { reportEventLoopDelayOnSignal } from './event-loop-report';
import { lowerWorkerThreadPriority } from './worker-priority';

async function main(): Promise<void> {
  const settings = loadSettings(process.env);
  const running = await startGatehouse({ settings });
  if (settings.benchEventLoop) reportEventLoopDelayOnSignal();
  if (settings.workerNice > 0) await lowerWorkerThreadPriority(settings.workerNice);
  console.log(`Gatehouse is serving ${running.url}` + (settings.nodeEnv === 'production' ? '' : ' (open it in a browser for Apollo Sandbox)'));
  const shutdown = (signal: string) => {
    console.log(`gatehouse: ${signal}, shutting down`);
    running.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError) {
    console.error(`gatehouse: ${error.message}`);
  } else {
    console.error('gatehouse: could not start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});

#!/usr/bin/env node
/**
 * `npm start`: warn about variables that look like settings but are not, read the settings,
 * migrate, serve. Stops on SIGTERM/SIGINT after in-flight requests.
 */
import { loadSettings, SettingsError, unknownSettings } from '../settings';
import type * as App from './app';
import { lowerWorkerThreadPriority } from './worker-priority';

async function main(): Promise<void> {
  // Before loading: a misspelt variable is often why a setting is missing or wrong.
  for (const { variable, suggestion } of unknownSettings(process.env)) {
    console.error(`gatehouse: warning: ${variable} is not a Gatehouse setting and is ignored` + (suggestion ? `; did you mean ${suggestion}?` : ''));
  }
  const settings = loadSettings(process.env);
  // Loaded once the settings hold: a refused setting stops the process in ~0.1 s, not after
  // the ~0.5 s it takes to load the server's modules.
  const { startGatehouse } = require('./app') as typeof App;
  const running = await startGatehouse({ settings });
  if (settings.server.workerNice > 0) await lowerWorkerThreadPriority(settings.server.workerNice);
  console.log(`Gatehouse is serving ${running.url}` + (settings.server.nodeEnv === 'production' ? '' : ' (open it in a browser for Apollo Sandbox)'));
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

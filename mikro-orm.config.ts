/**
 * MikroORM configuration for the database named by DATABASE_URL (default: the SQLite file
 * ./data/gatehouse.sqlite). Gatehouse itself builds the same config in src/db/config.ts;
 * this file is for MikroORM's own tooling and for embedding.
 */
import 'reflect-metadata';
import { ormConfig } from './src/db/config';
import { loadSettings } from './src/settings';

export default ormConfig(loadSettings(process.env).database);

import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';
import { runProcess } from '@app/http';
import { createWorker } from './worker.app';

const config = loadConfigOrExit();
runProcess('worker', config, (logger) => createWorker(config, { logger }));

import 'reflect-metadata';
import { loadConfigOrExit } from '@app/config';
import { createWorker } from './worker.app';

void createWorker(loadConfigOrExit());

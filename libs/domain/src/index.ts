export * from './errors';
export * from './ids';
export * from './device';
export * from './signature';
export * from './macros';
export * from './attribution';
export * from './user-agent';

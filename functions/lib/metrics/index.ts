export * from './registry.ts';
export * from './platform.ts';
export * from './route.ts';
export * from './parse.ts';

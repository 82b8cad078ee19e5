/**
 * Source for `new Worker(source, { eval: true })` that imports the module at `entry` (a file URL). A worker does not
 * inherit the parent's module hooks, so when this runs as TypeScript (under tsx) tsx's hooks are registered there
 * first. `prelude` runs before anything is imported (CommonJS scope: `require` is available).
 */
export function workerSource(entry: string, prelude = ''): string {
  const hooks = import.meta.url.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : 'node:process';
  return `${prelude}\nimport(${JSON.stringify(hooks)}).then((m) => { if (typeof m.register === 'function') m.register(); return import(${JSON.stringify(entry)}); })`;
}

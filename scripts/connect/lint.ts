import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatLintError, loadConfigFile, type LintError, type LoadOptions } from './config.ts';

/** Expands the lint arguments like `rpk connect lint`: files as given, directories to their *.yaml / *.yml files. */
export function expandConfigPaths(args: string[], fallbackDir = 'connect'): string[] {
  const targets = args.length > 0 ? args : [fallbackDir];
  return targets.flatMap((t) => {
    const dir = t.endsWith('/...') ? t.slice(0, -4) : t;
    if (existsSync(dir) && statSync(dir).isDirectory()) {
      return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => join(dir, f));
    }
    return [t];
  });
}

/** Lints every file; returns all findings (an empty list means every config is accepted). */
export function lintFiles(files: string[], options: LoadOptions = {}): LintError[] {
  return files.flatMap((f) => {
    if (!existsSync(f)) return [{ file: f, line: 1, message: 'file not found' }];
    return loadConfigFile(f, options).errors;
  });
}

export { formatLintError };

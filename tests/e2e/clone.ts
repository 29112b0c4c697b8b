import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** What a clone holds that the build reads; node_modules is linked, as `npm ci` would have made it. */
const projectFiles = ['package.json', 'tsconfig.json', 'tools/build.mjs', 'src', 'modules', 'adapters', 'config', 'deploy'];

export interface ProjectClone {
  dir: string;
  /** `npm run build` in the clone. */
  build(): Promise<void>;
  remove(): Promise<void>;
}

/**
 * A copy of the project without dist/, as CI's fresh clone has it: what runs there is compiled
 * from these sources, never a dist/ an earlier run left in the work tree.
 */
export async function cloneProject(): Promise<ProjectClone> {
  const dir = await mkdtemp(join(tmpdir(), 'auth-build-'));
  await Promise.all(projectFiles.map((file) => cp(file, join(dir, file), { recursive: true })));
  await symlink(resolve('node_modules'), join(dir, 'node_modules'));
  return {
    dir,
    // A second or two, more on a loaded machine.
    build: async () => void (await promisify(execFile)('npm', ['run', 'build'], { cwd: dir, timeout: 120_000 })),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

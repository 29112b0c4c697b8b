import { readFileSync } from 'node:fs';

/** One instruction of a Dockerfile: its keyword (upper case) and the rest of its line(s), continuations joined. */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  /** The image it starts from, build arguments declared before the first FROM resolved. */
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** The stages of a Dockerfile, enough of its syntax for the checks of tests/deploy: no engine runs here. */
export function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args };
    if (instruction.keyword === 'FROM') {
      const [image = '', , name] = args.split(/\s+/);
      const from = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs[a ?? b] ?? '');
      stages.push({ from, name, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [name = '', value = ''] = args.split('=');
      globalArgs[name] = value;
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** This repository's Dockerfile. */
export const dockerfile = () => parseDockerfile(readFileSync('Dockerfile', 'utf8'));

/** The arguments of an exec-form instruction (`CMD ["node", "x.js"]`), after any `--option`s. */
export function execForm(instruction: Instruction): string[] {
  const json = instruction.args.slice(instruction.args.indexOf('['));
  return JSON.parse(json) as string[];
}

/** Every instruction of `stage` with `keyword`. */
export const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

/** The last instruction of `stage` with `keyword` (the one in force). */
export const last = (stage: Stage, keyword: string) => all(stage, keyword).at(-1);

/** The image's user id (USER uid[:gid]). */
export function imageUser(stages: Stage[]): { uid: number; gid: number } {
  const [uid = '', gid = uid] = (last(stages.at(-1)!, 'USER')?.args ?? '').split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** The port the image exposes. */
export const imagePort = (stages: Stage[]) => Number(last(stages.at(-1)!, 'EXPOSE')?.args.split('/')[0]);

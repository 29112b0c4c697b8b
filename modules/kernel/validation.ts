import type { z } from 'zod';
import { ValidationError } from './errors.ts';

/** Turns zod issues into the field list a problem+json body carries. */
export function validationErrorFrom(
  error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> },
  message = 'The request is invalid.'): ValidationError {
  return new ValidationError(
    message,
    error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(root)', message: issue.message })),
  );
}

/** Parses a port input; throws ValidationError so bad input never reaches a repository. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) throw validationErrorFrom(result.error);
  return result.data;
}

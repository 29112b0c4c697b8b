import { z } from 'zod';
import { ValidationError } from './errors.ts';

/** Turns zod issues into the field list a problem+json body carries. */
export function validationErrorFrom(
  error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> },
  message = 'The request is invalid.',
): ValidationError {
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

// A lone UTF-16 surrogate cannot be encoded as UTF-8: stores would replace it silently.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A string every store accepts as it is: no NUL (PostgreSQL text cannot hold one, so it would
 * fail as a 500 deep in an adapter) and no lone surrogate. Every client-supplied string starts here.
 */
export function text() {
  return z.string().refine((s) => !s.includes('\0') && !loneSurrogate.test(s), {
    message: 'Must be text without NUL characters or unpaired surrogates.',
  });
}

import path from 'node:path';
import type { z } from 'zod';
import { AppError } from '../../src-shared/errors';
import {
  PRESET_FORMAT,
  PRESET_VERSION,
  presetFileSchema,
  type PresetFile,
} from '../../src-shared/model/preset';

/*
 * Reading a preset file someone handed us: everything is checked before anything is saved, and
 * every refusal is invalid-input with the problem in words (where in the file, and why).
 */

/** Keys that could reach an object's prototype if some code ever merged the file into one. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_SHOWN = 80;

function refuse(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('invalid-input', message, details);
}

/**
 * Parses and validates a preset file's text. Throws AppError `invalid-input` for text that is not
 * JSON, holds a forbidden key (`__proto__`, `constructor`, `prototype`) anywhere, is not a
 * DataFerry preset (format) or is another version, names an in-memory location or a local folder
 * that is not absolute here, or fails the schema (the message names the first problem's field,
 * e.g. "task.options.VerifyMode: ...").
 */
export function parsePresetFile(content: string): PresetFile {
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw refuse(`The preset file is not valid JSON: ${shorten(why)}`);
  }
  const forbidden = findForbiddenKey(raw);
  if (forbidden) {
    throw refuse(
      `The preset file contains the forbidden key "${forbidden.key}" at ${forbidden.at}: it is refused`,
      { field: forbidden.at },
    );
  }
  if (!isObject(raw))
    throw refuse('The preset file is not a DataFerry preset: it is not an object');
  if (raw.format !== PRESET_FORMAT) {
    throw refuse(
      `This is not a DataFerry preset file: its "format" is ${shown(raw.format)}, not "${PRESET_FORMAT}"`,
      { field: 'format' },
    );
  }
  if (raw.version !== PRESET_VERSION) {
    throw refuse(
      `This preset file is version ${shown(raw.version)}; this DataFerry reads version ${PRESET_VERSION}`,
      { field: 'version' },
    );
  }
  for (const side of ['source', 'destination'] as const) {
    const location = raw[side];
    if (isObject(location) && isObject(location.config) && location.config.kind === 'memory') {
      throw refuse(
        `${side}.config.kind: in-memory locations exist only in tests and cannot be imported`,
        { field: `${side}.config.kind` },
      );
    }
  }
  const parsed = presetFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const { field, message } = describeIssue(issue);
    throw refuse(`The preset file is not valid: ${field}: ${message}`, { field });
  }
  for (const side of ['source', 'destination'] as const) {
    const config = parsed.data[side].config;
    if (config.kind === 'local' && !path.isAbsolute(config.path)) {
      throw refuse(
        `${side}.config.path: "${shorten(config.path)}" is not an absolute folder path on this computer`,
        { field: `${side}.config.path` },
      );
    }
  }
  return parsed.data;
}

function describeIssue(issue: z.core.$ZodIssue): { field: string; message: string } {
  const at = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return {
      field: [...at, key].join('.'),
      message: 'unknown field (a DataFerry preset has no such field)',
    };
  }
  return { field: at.join('.') || '(the whole file)', message: issue.message };
}

/** The first forbidden key and where it is ("task.options"), walking without recursion. */
function findForbiddenKey(root: unknown): { key: string; at: string } | null {
  const stack: { value: unknown; at: string }[] = [{ value: root, at: '' }];
  while (stack.length > 0) {
    const { value, at } = stack.pop() as { value: unknown; at: string };
    if (value === null || typeof value !== 'object') continue;
    for (const key of Object.keys(value)) {
      const child = at === '' ? key : `${at}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) return { key, at: at === '' ? 'the top level' : at };
      stack.push({ value: (value as Record<string, unknown>)[key], at: child });
    }
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A field's value for a message; objects by kind only (one nested 10,000 levels deep would overflow JSON.stringify). */
function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'an object';
  return shorten(JSON.stringify(value));
}

function shorten(text: string): string {
  return text.length <= MAX_SHOWN ? text : `${text.slice(0, MAX_SHOWN)}…`;
}

import { isUtf8 } from 'node:buffer';
import type { EntryInfo } from '../location';
import { listedNameProblem, refusedNameEntry } from '../relative-path';
import { isTemporaryName } from '../temp-names';

/*
 * Names read from a local folder as raw bytes. Linux allows any bytes but '/' and NUL in a name,
 * and Node's string names decode bytes that are not UTF-8 as U+FFFD: such a name can then be
 * neither opened again (the decoded text names another file, or none, and the entry vanished
 * from the listing without a word) nor told apart from its neighbours (two such names decode
 * alike). They are listed as problem entries instead, reported and never followed.
 */

/** What one folder listing holds: names to examine, and entries refused by name. */
export interface ListedNames {
  /** Names that are valid UTF-8 and safe, temporaries left out. */
  names: string[];
  /** Problem entries for the others (type 'other', reported and skipped by the engine). */
  refused: EntryInfo[];
  /** Names of our temporaries (temp-names.ts): what interrupted writes left. */
  temporaries: string[];
}

/**
 * Splits a folder's raw names (readdir with encoding 'buffer') into names the location can use
 * and problem entries for names that are not valid UTF-8 or not safe (listedNameProblem).
 * `folder` is the folder's relative path. Never throws.
 */
export function sortListedNames(raw: Buffer[], folder: string): ListedNames {
  const out: ListedNames = { names: [], refused: [], temporaries: [] };
  for (const bytes of raw) {
    const name = bytes.toString('utf8');
    if (!isUtf8(bytes)) {
      out.refused.push(
        refusedNameEntry(
          folder,
          name,
          'local name',
          `a name that is not valid UTF-8 (its bytes: ${bytes.toString('hex')})`,
        ),
      );
      continue;
    }
    if (isTemporaryName(name)) {
      out.temporaries.push(name);
      continue;
    }
    const problem = listedNameProblem(name);
    if (problem) out.refused.push(refusedNameEntry(folder, name, 'local name', problem));
    else out.names.push(name);
  }
  return out;
}

/**
 * Whether a name read as text may stand for bytes that are not UTF-8: decoding replaces such
 * bytes with U+FFFD. (A name holding U+FFFD itself is read again as bytes too, and kept.)
 */
export function mayNotBeUtf8(name: string): boolean {
  return name.includes('\uFFFD');
}

/**
 * sortListedNames for names read as text, none of which `mayNotBeUtf8`: the same split, without
 * a Buffer per name. Never throws.
 */
export function sortTextNames(text: string[], folder: string): ListedNames {
  const out: ListedNames = { names: [], refused: [], temporaries: [] };
  for (const name of text) {
    if (isTemporaryName(name)) {
      out.temporaries.push(name);
      continue;
    }
    const problem = listedNameProblem(name);
    if (problem) out.refused.push(refusedNameEntry(folder, name, 'local name', problem));
    else out.names.push(name);
  }
  return out;
}

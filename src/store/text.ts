/**
 * String search compares folded text: lower case, accents removed (`Ångström` -> `angstrom`), so
 * `name=bjorn` finds Björn. The same folding runs on stored values and on search values.
 */
export function foldText(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Escapes LIKE wildcards so that a search value matches literally. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

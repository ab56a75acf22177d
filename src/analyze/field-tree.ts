/**
 * The shape of decoded message fields shared by the text, JSON and walk-through renderers.
 * @module
 */

/** A value in a field tree. */
export type FieldValue =
  | string
  | number
  | boolean
  | null
  | readonly FieldValue[]
  | { readonly [name: string]: FieldValue };

/** A message's fields: field name → value, in wire order. */
export type FieldTree = { readonly [name: string]: FieldValue };

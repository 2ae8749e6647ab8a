/**
 * Site mappings: how one site's native records become canonical events.
 *
 * A mapping is data (YAML under sites/), not code. A site's file names a base (`extends`) and
 * overrides only what differs: its dialect (date format, decimal comma, UTC offset), its code lists
 * (unit codes, status codes) and, per event type, the source field of each canonical field.
 * load.ts merges the chain and validates it; engine.ts applies it to one record.
 */

/** How the site writes values. Every setting can be overridden per field. */
export interface Dialect {
  /** Date format tokens: yyyy MM dd, e.g. 'dd.MM.yyyy'. @defaultValue 'yyyy-MM-dd' */
  dateFormat: string;
  /**
   * Timestamp format: 'iso' (ISO 8601 with offset) or tokens yyyy MM dd HH mm ss, e.g.
   * 'dd.MM.yyyy HH:mm'. Token formats are read in `utcOffset`. @defaultValue 'iso'
   */
  timestampFormat: string;
  /** Fixed UTC offset of token timestamps, '+01:00' / '-06:00'. @defaultValue '+00:00' */
  utcOffset: string;
  /** '.' or ','. @defaultValue '.' */
  decimalSeparator: '.' | ',';
  /** Grouping separator removed before parsing ('', ',', '.', ' '). @defaultValue '' */
  thousandsSeparator: string;
  /** CSV files: 'utf8' (a BOM is allowed) or 'latin1' (ISO-8859-1 exports). @defaultValue 'utf8' */
  encoding: 'utf8' | 'latin1';
  /** CSV files: the field delimiter. @defaultValue ',' */
  delimiter: string;
}

export type ValueType =
  'string' | 'int' | 'number' | 'decimal' | 'timestamp' | 'date' | 'boolean' | 'currency';

/** One canonical field filled from one source field. */
export interface FieldSpec {
  /** Dotted path in the source record (for CSV: the column name). */
  from?: string;
  /** A fixed value (used when `from` is absent). */
  const?: string | number | boolean | null;
  /** @defaultValue 'string' */
  type?: ValueType;
  /** When true (the default unless `default` or `nullable` is set) a missing value is a problem. */
  required?: boolean;
  /** Emits null when the value is missing (for nullable Avro unions). @defaultValue false */
  nullable?: boolean;
  default?: string | number | boolean | null;
  /** Decimal places of a decimal field (the Avro scale). @defaultValue 2 */
  scale?: number;
  /** Smallest allowed number (0 refuses negative quantities). */
  min?: number;
  max?: number;
  /** Name of a code list in the site's `codes`: the source value is translated through it. */
  codes?: string;
  /** Allowed values after translation (an Avro enum's symbols). */
  values?: string[];
  /** Overrides the dialect's date / timestamp format for this field. */
  format?: string;
  /** Text transforms before checks. */
  upper?: boolean;
}

/** A canonical array filled from a source array (or, for CSV, from the rows of a group). */
export interface ArraySpec {
  /** Dotted path of the source array; CSV groups expose their rows as `_rows`. */
  each: string;
  fields: Record<string, FieldSpec>;
  /** @defaultValue 1 */
  minItems?: number;
}

export type TargetSpec = FieldSpec | ArraySpec;

export function isArraySpec(spec: TargetSpec): spec is ArraySpec {
  return typeof (spec as ArraySpec).each === 'string';
}

/** How one event type is made from a site record. Target keys are dotted canonical paths. */
export interface EventMapping {
  /** Canonical event type (catalog eventType, e.g. 'OrderReleased'). */
  eventType: string;
  /** Value of the record's type field that selects this mapping (HTTP batches mix types). */
  sourceType?: string;
  /** When the event happened (metadata.occurredAt). */
  occurredAt: FieldSpec;
  /**
   * A stable id of the record in the site system. When present, the eventId is derived from it
   * (UUID v5 of siteId + eventType + id) so a site that resends a record makes the same eventId
   * and the router drops the duplicate.
   */
  sourceId?: FieldSpec;
  correlationId?: FieldSpec;
  /**
   * CSV only: rows with the same value in this column form one event (order lines by order
   * number); the group's rows are the source array `_rows`, its first row gives the header fields.
   * Without it every row is one event.
   */
  groupBy?: string;
  fields: Record<string, TargetSpec>;
}

/** A site's resolved mapping set (after `extends` was merged). */
export interface SiteMappings {
  siteId: string;
  /** Name of the variant chain, e.g. 'mx-erp < base' (shown by `site list`). */
  variant: string;
  /** Recorded in metadata.sourceSystem and ce_source. @defaultValue 'erp' */
  sourceSystem: string;
  /** Source field that names the record's type (when a site sends several event types). @defaultValue 'type' */
  typeField: string;
  dialect: Dialect;
  codes: Record<string, Record<string, string>>;
  mappings: Record<string, EventMapping>;
}

/**
 * One problem with a site record. Paths are JSON paths into what the site sent
 * (`$[2].lines[0].qty`) or, for CSV, row and column.
 */
export interface InputProblem {
  path: string;
  code: string;
  expected: string;
  got: string;
  message?: string;
  row?: number;
  column?: string;
}

export const DEFAULT_DIALECT: Dialect = Object.freeze({
  dateFormat: 'yyyy-MM-dd',
  timestampFormat: 'iso',
  utcOffset: '+00:00',
  decimalSeparator: '.',
  thousandsSeparator: '',
  encoding: 'utf8',
  delimiter: ',',
}) as Dialect;

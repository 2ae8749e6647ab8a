/** Types of part-boundaries.js (the layering check shared by ESLint and the architecture test). */
export declare const PARTS: readonly string[];
export declare const FREE_IMPORTERS: readonly string[];
export declare function partOf(file: string): string | undefined;
export declare function boundaryProblem(fromFile: string, target: string): string | undefined;
export declare function resolveImport(fromFile: string, specifier: string): string | undefined;
export declare function createRule(root: string): unknown;

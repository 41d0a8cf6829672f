/** Types of rates.js (the page's plain ES module) for the tests that import it. */
export interface SlotLike { end: number; seconds: number }
export declare const SPANS: number[];
export declare function averages<S extends SlotLike>(slots: S[], bytesOf: (slot: S) => number | undefined, spans?: number[]): { avg: number[]; peak: number };
export declare function niceScale(max: number, ticks?: number): { top: number; step: number };
export declare function si(v: number, unit: string): string;
export declare const DASHBOARD_UID: string;
export declare const DASHBOARD_SLUG: string;
export declare const HOST_PANEL: number;
export declare function grafanaLink(base: string, host: string): string;

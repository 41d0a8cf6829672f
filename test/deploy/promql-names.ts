/**
 * The metric names and label names a PromQL expression mentions, for checking dashboards and
 * rules against the metric contract. A small scanner, not a parser: enough for the expressions
 * this repository writes (selectors, functions, aggregations with by/without, vector matching,
 * ranges and subqueries, Grafana variables and label_values()).
 */

const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values',
  'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan', 'start', 'end']);
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const TOKEN = /\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\[[^\]]*\]|[A-Za-z_:][A-Za-z0-9_:]*|\d+(?:\.\d+)?(?:e[+-]?\d+)?|=~|!~|!=|==|>=|<=|[-+*/%^(){},=<>@])/gy;

/** Names found in one expression. */
export interface PromqlNames {
  metrics: Set<string>;
  labels: Set<string>;
}

/** Metric and label names of `expr` (Grafana's label_values(selector, label) accepted too). */
export function promqlNames(expr: string): PromqlNames {
  const out: PromqlNames = { metrics: new Set(), labels: new Set() };
  const lv = /^\s*label_values\((.*),\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$/s.exec(expr);
  if (lv) {
    out.labels.add(lv[2]);
    expr = lv[1];
  }
  const tokens = tokenize(expr.replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, '0'));
  let braces = 0;
  let labelList = false;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const next = tokens[i + 1];
    if (tok === '{') braces++;
    else if (tok === '}') braces--;
    else if (tok === '(' && labelList) {
      for (i++; i < tokens.length && tokens[i] !== ')'; i++) if (/^[A-Za-z_]/.test(tokens[i])) out.labels.add(tokens[i]);
      labelList = false;
    } else if (/^[A-Za-z_:]/.test(tok)) {
      if (braces > 0) {
        if (next === '=' || next === '!=' || next === '=~' || next === '!~') out.labels.add(tok);
      } else if (LABEL_LIST_KEYWORDS.has(tok)) labelList = true;
      else if (next === '(' || AGGREGATIONS.has(tok) || KEYWORDS.has(tok)) continue;
      else out.metrics.add(tok);
    }
  }
  return out;
}

/** Label names used in a Grafana legend format (`{{label}}`). */
export function legendLabels(format: string): string[] {
  return [...format.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]);
}

function tokenize(expr: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(expr);
    if (m === null) {
      if (expr.slice(at).trim() === '') break;
      throw new Error(`promql: cannot scan ${JSON.stringify(expr.slice(at, at + 30))} in ${expr}`);
    }
    if (!/^["'`[]/.test(m[1])) tokens.push(m[1]);
  }
  return tokens;
}

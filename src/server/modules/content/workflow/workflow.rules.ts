/**
 * Validation rules run inside a `validation` guard. Each rule reports at most one failure that names every offending
 * field, variable or link, so a long document yields a short, complete list.
 *
 * Links are found by real parsers (marked for Markdown, htmlparser2 for HTML, including HTML embedded in Markdown)
 * rather than regexes: link syntax has too many forms (autolinks, `<…>` destinations, titles, entities).
 */
import { Parser } from 'htmlparser2';
import { Marked, type Token } from 'marked';
import type { RuleKind, ValidationRule } from './workflow.schema.js';
import type { BodyFormat, ContentSnapshot, FailedGuard } from './workflow.types.js';

type RuleOf<K extends RuleKind> = Extract<ValidationRule, { kind: K }>;
type RuleCheck<K extends RuleKind> = (rule: RuleOf<K>, content: ContentSnapshot) => string | null;

/** Shown at most this many offending items per message; the rest are counted. */
const MAX_LISTED = 5;

function listItems(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown} and ${items.length - MAX_LISTED} more` : shown;
}

/** `body` names the version body; every other name is a type-specific field. */
export function readField(content: ContentSnapshot, name: string): unknown {
  return name === 'body' ? content.body : content.fields[name];
}

function isBlank(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Length as a reader counts it: one emoji (even a multi-code-point one) is one character. Social networks count
 * roughly this way; UTF-16 `length` would reject posts that fit.
 */
export function measureLength(text: string): number {
  let n = 0;
  for (const _ of graphemes.segment(text)) n++;
  return n;
}

const VARIABLE_PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Every `{{ name }}` placeholder left in the text, in order of appearance, without duplicates. */
export function findVariables(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(VARIABLE_PATTERN)) names.add(match[1] ?? '');
  return [...names];
}

function isAllowedVariable(name: string, allow: readonly string[]): boolean {
  return allow.some((pattern) =>
    pattern.endsWith('.*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern,
  );
}

const LINK_ATTRIBUTES: Readonly<Record<string, string>> = { a: 'href', area: 'href', img: 'src' };

function collectHtmlLinks(html: string, into: string[]): void {
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const attribute = LINK_ATTRIBUTES[name];
        const value = attribute === undefined ? undefined : attributes[attribute];
        if (value !== undefined) into.push(value);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
}

const markdown = new Marked({ gfm: true });

/** Every link target in the body: Markdown links, images and autolinks, and `a`/`area`/`img` in HTML. */
export function extractLinks(body: string, format: BodyFormat = 'markdown'): string[] {
  const links: string[] = [];
  if (format === 'html') {
    collectHtmlLinks(body, links);
    return links;
  }
  const tokens = markdown.lexer(body);
  const html: string[] = [];
  markdown.walkTokens(tokens, (token: Token) => {
    if (token.type === 'link' || token.type === 'image') links.push(token.href);
    else if (token.type === 'html') html.push(token.raw);
  });
  // One HTML parse for all embedded fragments: marked emits whole tags or blocks, so joining them is safe, and it
  // saves a parser per inline tag. Markdown links come first in the result, then HTML ones.
  if (html.length > 0) collectHtmlLinks(html.join('\n'), links);
  return links;
}

/** An absolute http(s) URL with a host, or a mailto URL with an address. Relative links break in emails and feeds. */
export function isWellFormedLink(href: string): boolean {
  if (!URL.canParse(href)) return false;
  const url = new URL(href);
  if (url.protocol === 'http:' || url.protocol === 'https:') return url.hostname !== '';
  if (url.protocol === 'mailto:') return url.pathname.trim() !== '';
  return false;
}

const RULE_CHECKS: { [K in RuleKind]: RuleCheck<K> } = {
  required_fields(rule, content) {
    const required = rule.byType[content.type] ?? [];
    const missing = required.filter((name) => isBlank(readField(content, name)));
    return missing.length === 0 ? null : `Missing required fields for ${content.type}: ${listItems(missing)}`;
  },
  max_length(rule, content) {
    const max = rule.byType[content.type];
    const value = readField(content, rule.field);
    // Presence is required_fields' job; non-text fields have no length to limit.
    if (max === undefined || typeof value !== 'string') return null;
    const length = measureLength(value);
    return length <= max
      ? null
      : `${rule.field} is ${length} characters; a ${content.type} allows at most ${max}`;
  },
  no_unresolved_variables(rule, content) {
    const allow = rule.allow ?? [];
    const left = findVariables(content.body).filter((name) => !isAllowedVariable(name, allow));
    return left.length === 0
      ? null
      : `Unresolved variables in the body: ${listItems(left.map((v) => `{{ ${v} }}`))}`;
  },
  links_well_formed(_rule, content) {
    const bad = extractLinks(content.body, content.bodyFormat).filter((href) => !isWellFormedLink(href));
    return bad.length === 0
      ? null
      : `Links must be absolute http(s) or mailto URLs: ${listItems(bad.map((href) => JSON.stringify(href)))}`;
  },
};

function checkRule<K extends RuleKind>(rule: RuleOf<K>, content: ContentSnapshot): string | null {
  return (RULE_CHECKS[rule.kind] as RuleCheck<K>)(rule, content);
}

/** Runs every rule and returns one failure per failing rule (all of them, not the first). */
export function checkValidationRules(
  rules: readonly ValidationRule[],
  content: ContentSnapshot,
): FailedGuard[] {
  const failed: FailedGuard[] = [];
  for (const rule of rules) {
    const message = checkRule(rule, content);
    if (message !== null) failed.push({ guard: 'validation', rule: rule.kind, message });
  }
  return failed;
}

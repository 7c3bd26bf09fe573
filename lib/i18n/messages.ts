/**
 * Message catalogues: each domain keeps its own `{en, es, pl}` object and passes it to
 * `defineMessages`, whose types make the three languages carry exactly the same keys
 * (tests/pages/catalogues_test.ts checks the same at run time, for every catalogue).
 *
 * A message is a string with `{name}` placeholders, or a plural form chosen by
 * `Intl.PluralRules` from the `count` variable: `{one, few?, many?, other}`. Polish needs
 * one/few/many ("1 pozycja", "2 pozycje", "5 pozycji"); English and Spanish one/other.
 */
import type { Locale } from "@/lib/orders/model.ts";

export type PluralMessage = {
  zero?: string;
  one?: string;
  two?: string;
  few?: string;
  many?: string;
  other: string;
};
export type Message = string | PluralMessage;
export type Vars = Record<string, string | number>;

export interface Messages<K extends string> {
  /** The raw catalogue, for parity tests and for handing strings to islands. */
  readonly catalogue: Readonly<Record<Locale, Readonly<Record<K, Message>>>>;
  /** The message `key` in `locale`, with `{name}` placeholders filled from `vars`. */
  t(locale: Locale, key: K, vars?: Vars): string;
  /** `t` bound to one locale, for a page render. */
  bind(locale: Locale): (key: K, vars?: Vars) => string;
}

/** Every catalogue built by `defineMessages`, by name (the parity test walks them). */
const registry = new Map<string, Messages<string>>();

export function registeredCatalogues(): ReadonlyMap<string, Messages<string>> {
  return registry;
}

/**
 * Builds a catalogue. `es` and `pl` must have exactly `en`'s keys: a missing key is a
 * type error, and so is an extra one (object literals are checked for excess properties).
 *
 * @example
 * const m = defineMessages("orders", {
 *   en: { items: { one: "{count} item", other: "{count} items" } },
 *   es: { items: { one: "{count} artículo", other: "{count} artículos" } },
 *   pl: { items: { one: "{count} pozycja", few: "{count} pozycje", many: "{count} pozycji", other: "{count} pozycji" } },
 * });
 * m.t("pl", "items", { count: 5 }); // "5 pozycji"
 */
export function defineMessages<const E extends Record<string, Message>>(
  name: string,
  catalogue: { en: E; es: { [K in keyof E]: Message }; pl: { [K in keyof E]: Message } },
): Messages<keyof E & string> {
  type K = keyof E & string;
  const cat = catalogue as unknown as Record<Locale, Record<K, Message>>;
  const t = (locale: Locale, key: K, vars?: Vars): string => {
    const msg = cat[locale]?.[key] ?? cat.en[key];
    if (msg === undefined) return key;
    return interpolate(typeof msg === "string" ? msg : pluralForm(locale, msg, vars), vars);
  };
  const messages: Messages<K> = {
    catalogue: cat,
    t,
    bind: (locale) => (key, vars) => t(locale, key, vars),
  };
  registry.set(name, messages as unknown as Messages<string>);
  return messages;
}

const pluralRules = new Map<string, Intl.PluralRules>();

/**
 * Plural categories of small whole counts, per locale: `Intl.PluralRules.select` is an ICU
 * call (about 1 µs), and a page asks it for the same few counts on every row.
 */
const categories = new Map<string, (keyof PluralMessage)[]>();
const CACHED_COUNTS = 1000;

/** Picks the plural form for `vars.count` (0 when absent), falling back to `other`. */
export function pluralForm(locale: Locale, msg: PluralMessage, vars?: Vars): string {
  const count = Number(vars?.count ?? 0);
  let category: keyof PluralMessage;
  if (Number.isInteger(count) && count >= 0 && count < CACHED_COUNTS) {
    let byCount = categories.get(locale);
    if (!byCount) categories.set(locale, byCount = []);
    category = byCount[count] ??= select(locale, count);
  } else {
    category = select(locale, count);
  }
  return msg[category] ?? msg.other;
}

function select(locale: Locale, count: number): keyof PluralMessage {
  let rules = pluralRules.get(locale);
  if (!rules) pluralRules.set(locale, rules = new Intl.PluralRules(locale));
  return rules.select(count) as keyof PluralMessage;
}

/** Fills `{name}` placeholders; unknown ones are left as written so mistakes show. */
export function interpolate(template: string, vars?: Vars): string {
  if (!vars) return template;
  // Templates are split once and kept: pages fill the same few dozen on every render.
  let parts = compiled.get(template);
  if (!parts) compiled.set(template, parts = template.split(/\{(\w+)\}/));
  let out = parts[0];
  for (let i = 1; i < parts.length; i += 2) {
    const v = vars[parts[i]];
    out += (v === undefined ? `{${parts[i]}}` : String(v)) + parts[i + 1];
  }
  return out;
}

/** Template → [text, name, text, name, …, text]. */
const compiled = new Map<string, string[]>();

/** The keys of a catalogue-like `{en, es, pl}` object that are missing from some language. */
export function keyParityProblems(cat: Record<string, Record<string, unknown>>): string[] {
  const problems: string[] = [];
  const langs = ["en", "es", "pl"] as const;
  const all = new Set(langs.flatMap((l) => Object.keys(cat[l] ?? {})));
  for (const key of all) {
    for (const l of langs) {
      if (!(key in (cat[l] ?? {}))) problems.push(`${l} lacks "${key}"`);
    }
  }
  return problems.sort();
}

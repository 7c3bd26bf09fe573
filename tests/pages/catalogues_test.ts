/**
 * Every catalogue has the same keys in en, es and pl: the ones built with defineMessages
 * (registered when their module loads) and the plain `{en, es, pl}` objects other domains
 * export from lib/**\/messages.ts and lib/email/templates/*. New catalogue files are found
 * by walking lib/, so nobody has to remember to add them here.
 */
import assert from "node:assert/strict";
import { keyParityProblems, registeredCatalogues } from "@/lib/i18n/messages.ts";

const LIB = new URL("../../lib/", import.meta.url);

async function* catalogueFiles(dir: URL): AsyncGenerator<URL> {
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* catalogueFiles(url);
    else if (
      /\.(ts|tsx)$/.test(e.name) && !/_test\.tsx?$/.test(e.name) &&
      (/^messages\.tsx?$/.test(e.name) || url.pathname.includes("/lib/email/templates/"))
    ) yield url;
  }
}

type Cat = Record<string, Record<string, unknown>>;

/** `{en, es, pl}` objects among a module's exports (directly or as `.catalogue`). */
function cataloguesIn(mod: Record<string, unknown>): Array<[string, Cat]> {
  const out: Array<[string, Cat]> = [];
  for (const [name, value] of Object.entries(mod)) {
    if (!value || typeof value !== "object") continue;
    const v = value as Record<string, unknown>;
    const cat = (v.catalogue ?? v) as Record<string, unknown>;
    if (["en", "es", "pl"].every((l) => cat[l] && typeof cat[l] === "object")) {
      out.push([name, cat as Cat]);
    }
  }
  return out;
}

Deno.test("every catalogue has the same keys in en, es and pl", async () => {
  const checked: string[] = [];
  const problems: string[] = [];
  for await (const file of catalogueFiles(LIB)) {
    const mod = await import(file.href);
    const found = cataloguesIn(mod);
    const isMessagesFile = /\/messages\.tsx?$/.test(file.pathname) &&
      !file.pathname.endsWith("/lib/i18n/messages.ts");
    if (isMessagesFile && found.length === 0) problems.push(`${file.pathname}: no catalogue`);
    for (const [name, cat] of found) {
      const where = `${file.pathname.replace(/.*\/lib\//, "lib/")}#${name}`;
      checked.push(where);
      problems.push(...keyParityProblems(cat).map((p) => `${where}: ${p}`));
    }
  }
  for (const [name, m] of registeredCatalogues()) {
    if (name.startsWith("test.")) continue;
    checked.push(`defineMessages:${name}`);
    problems.push(...keyParityProblems(m.catalogue as Cat).map((p) => `${name}: ${p}`));
  }
  assert.deepEqual(problems, []);
  assert(checked.some((c) => c.startsWith("lib/pages/messages.ts")), `checked: ${checked}`);
  assert(checked.some((c) => c.startsWith("lib/documents/messages.ts")), `checked: ${checked}`);
});

Deno.test("no message is empty and placeholders match across languages", async () => {
  const { pageMessages } = await import("@/lib/pages/messages.ts");
  const cat = pageMessages.catalogue;
  const placeholders = (m: unknown): string[] => {
    const texts = typeof m === "string" ? [m] : Object.values(m as Record<string, string>);
    return [...new Set(texts.flatMap((s) => s.match(/\{\w+\}/g) ?? []))].sort();
  };
  for (const key of Object.keys(cat.en) as Array<keyof typeof cat.en>) {
    for (const l of ["es", "pl"] as const) {
      assert.deepEqual(placeholders(cat[l][key]), placeholders(cat.en[key]), `${l} ${key}`);
      const texts = typeof cat[l][key] === "string" ? [cat[l][key]] : Object.values(cat[l][key]);
      assert(texts.every((s) => String(s).trim().length > 0), `${l} ${key} is empty`);
    }
  }
});

import { launchBrowser } from "@/tests/helpers/browser.ts";
const [url, name, ...specs] = Deno.args;
const b = await launchBrowser();
for (const spec of specs) {
  const [w, lang, pieces = "2"] = spec.split(":");
  const ctx = await b.newContext({ viewport: { width: +w, height: 900 } });
  const p = await ctx.newPage();
  await p.goto(url + (url.includes("?") ? "&" : "?") + "lang=" + lang);
  const h = await p.evaluate(() => document.documentElement.scrollHeight);
  for (let i = 0; i < +pieces && i * 900 < h; i++) {
    await p.screenshot({ path: `/tmp/dash_shots/${name}-${w}-${lang}-${i}.png`, fullPage: true,
      clip: { x: 0, y: i * 900, width: +w, height: Math.min(900, h - i * 900) } });
  }
  await ctx.close();
}
await b.close();

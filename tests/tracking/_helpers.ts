/** Services over `:memory:` KV with a hand-moved clock, for the tracking tests. */
import { loadConfig } from "@/lib/config.ts";
import type { Clock, Services } from "@/lib/services.ts";

export class ManualClock implements Clock {
  constructor(public current = new Date("2026-01-16T12:00:00Z")) {}
  now() {
    return new Date(this.current);
  }
  advance(ms: number) {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export async function makeServices(
  env: Record<string, string> = {},
  kv?: Deno.Kv,
): Promise<Services & { clock: ManualClock }> {
  const config = loadConfig({ DENO_ENV: "test", KV_PATH: ":memory:", SEED_DEMO: "0", ...env });
  return { kv: kv ?? await Deno.openKv(":memory:"), config, clock: new ManualClock() };
}

/**
 * `main.ts` as its own process (the README's start command, or Deno Deploy's permissions):
 * waits for the `listening` log line, keeps reading stdout (the demo link follows it), and
 * stops with SIGTERM.
 */
export interface PortalProcess {
  url: string;
  /** Everything printed on stdout so far. */
  output(): string;
  /** The demo link printed after start-up (waits for it). */
  demoLink(): Promise<string>;
  stop(): Promise<Deno.CommandStatus & { stderr: string }>;
}

export async function startPortalProcess(opts: {
  cwd: string;
  env: Record<string, string>;
  /** `deno run` flags (default `-A`). */
  permissions?: string[];
  /** Start from an empty environment (only what `deno` itself needs), as on a bare server. */
  clearEnv?: boolean;
}): Promise<PortalProcess> {
  const base: Record<string, string> = {};
  if (opts.clearEnv) {
    for (const name of ["PATH", "HOME", "DENO_DIR", "TMPDIR"]) {
      const v = Deno.env.get(name);
      if (v !== undefined) base[name] = v;
    }
  }
  const child = new Deno.Command("deno", {
    args: ["run", ...(opts.permissions ?? ["-A"]), "main.ts"],
    cwd: opts.cwd,
    env: { ...base, PORT: "0", ...opts.env },
    clearEnv: opts.clearEnv,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let url = "";
  while (!url) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`portal exited before listening:\n${out}\n${await stderr}`);
    out += value;
    url = out.match(/"listening","url":"(http:\/\/[^"]+)"/)?.[1] ?? "";
  }
  const drained = (async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      out += value;
    }
  })();
  return {
    url,
    output: () => out,
    async demoLink() {
      for (let i = 0; i < 200; i++) {
        const link = out.match(/(http:\/\/\S+\/customer\/mpl_\S+)/)?.[1];
        if (link) return link;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no demo link printed:\n${out}`);
    },
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      const status = await child.status;
      await drained;
      return { ...status, stderr: await stderr };
    },
  };
}

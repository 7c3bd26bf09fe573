/** Starts tests/issues/server_worker.ts as a child process and waits for its URL. */
export interface ServerProcess {
  url: string;
  child: Deno.ChildProcess;
  /** SIGKILL: no shutdown hooks, no flush; what KV committed is all that survives. */
  kill(): Promise<void>;
}

export async function startServerProcess(kvPath: string): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./server_worker.ts", import.meta.url).pathname],
    env: { KV_PATH: kvPath },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let url = "";
  while (!url) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server exited before listening: ${out}`);
    out += value;
    url = out.match(/listening (http:\/\/\S+)/)?.[1] ?? "";
  }
  const drained = (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  return {
    url,
    child,
    async kill() {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await drained;
    },
  };
}

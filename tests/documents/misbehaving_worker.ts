/**
 * The real document worker, misbehaving on cue for the pool tests: an order numbered CRASH
 * throws an uncaught error, EXIT closes the worker without a word, HANG never answers. Any
 * other job goes to the real worker's handler.
 */
import "@/lib/documents/worker.ts";
import type { WorkerRequest } from "@/lib/documents/worker.ts";

const scope = self as unknown as {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  close(): void;
};
const real = scope.onmessage!;

scope.onmessage = (e) => {
  const cue = e.data.job.input.order.order_number;
  if (cue === "CRASH") {
    setTimeout(() => {
      throw new Error("boom");
    });
  } else if (cue === "EXIT") scope.close();
  else if (cue !== "HANG") real(e);
};

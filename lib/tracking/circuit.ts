/**
 * Per-carrier circuit breaker in KV, shared by every server process, so a carrier outage does
 * not burn the daily quota (FedEx 100k/day, USPS 60/hour) on calls that will fail:
 * - closed: calls go through; each failed call batch (429, 5xx, network, auth) counts, a
 *   success resets the count;
 * - open after `threshold` consecutive failures: no calls for `cooldownMs`;
 * - half-open after the cooldown: ONE probe is let through (claimed atomically); its success
 *   closes the circuit, its failure opens it for another cooldown.
 *
 *   ["tracking_circuit", carrier]  CircuitRecord
 */
import type { CarrierId } from "@/lib/orders/model.ts";
import type { Services } from "@/lib/services.ts";

export const CIRCUIT_THRESHOLD = 5;
export const CIRCUIT_COOLDOWN_MS = 15 * 60_000;

export interface CircuitRecord {
  failures: number;
  /** ISO time the circuit opened (absent = closed). */
  opened_at?: string;
  /** ISO time a half-open probe was claimed; another may go after a cooldown. */
  probe_at?: string;
}

export type CircuitState = "closed" | "open" | "half_open";

const keys = {
  circuit: (carrier: CarrierId): Deno.KvKey => ["tracking_circuit", carrier],
};

function stateOf(r: CircuitRecord | null, nowMs: number): CircuitState {
  if (!r?.opened_at) return "closed";
  return nowMs - Date.parse(r.opened_at) < CIRCUIT_COOLDOWN_MS ? "open" : "half_open";
}

/** What INT-001 shows: "open" while calls are being held back. */
export async function circuitState(services: Services, carrier: CarrierId): Promise<CircuitState> {
  const r = (await services.kv.get<CircuitRecord>(keys.circuit(carrier))).value;
  return stateOf(r, services.clock.now().getTime());
}

/**
 * True when a call may go out now. In half-open state only the caller that claims the probe
 * gets true (an atomic check), so two processes don't both probe a failing carrier.
 */
export async function circuitAllows(services: Services, carrier: CarrierId): Promise<boolean> {
  const now = services.clock.now();
  const entry = await services.kv.get<CircuitRecord>(keys.circuit(carrier));
  const state = stateOf(entry.value, now.getTime());
  if (state === "closed") return true;
  if (state === "open") return false;
  const r = entry.value!;
  if (r.probe_at && now.getTime() - Date.parse(r.probe_at) < CIRCUIT_COOLDOWN_MS) return false;
  const res = await services.kv.atomic().check(entry)
    .set(keys.circuit(carrier), { ...r, probe_at: now.toISOString() }).commit();
  return res.ok;
}

/** A call batch got through: close the circuit. */
export async function recordSuccess(services: Services, carrier: CarrierId): Promise<void> {
  const entry = await services.kv.get<CircuitRecord>(keys.circuit(carrier));
  if (entry.value && entry.value.failures === 0 && !entry.value.opened_at) return;
  await services.kv.set(keys.circuit(carrier), { failures: 0 } satisfies CircuitRecord);
}

/** A call batch failed (429, 5xx, network, auth): count it; open at the threshold. */
export async function recordFailure(services: Services, carrier: CarrierId): Promise<CircuitState> {
  const now = services.clock.now();
  for (let i = 0; i < 5; i++) {
    const entry = await services.kv.get<CircuitRecord>(keys.circuit(carrier));
    const r = entry.value ?? { failures: 0 };
    const failures = r.failures + 1;
    const wasOpen = !!r.opened_at; // a failed half-open probe re-opens for a new cooldown
    const next: CircuitRecord = failures >= CIRCUIT_THRESHOLD || wasOpen
      ? { failures, opened_at: now.toISOString() }
      : { failures };
    const res = await services.kv.atomic().check(entry).set(keys.circuit(carrier), next).commit();
    if (res.ok) return stateOf(next, now.getTime());
  }
  return circuitState(services, carrier);
}

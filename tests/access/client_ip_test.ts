import { clientAddress, parseTrustedProxies } from "@/lib/access/client_ip.ts";
import assert from "node:assert/strict";

/** A deploy behind a proxy on a private network: `TRUSTED_PROXIES=private`. */
const PROXIES = parseTrustedProxies("private");

/** The X-Forwarded-For header a request carries (null when it has none). */
const req = (xff?: string) =>
  new Request("http://portal.test/", { headers: xff ? { "x-forwarded-for": xff } : {} })
    .headers.get("x-forwarded-for");

Deno.test("client address: a public peer is the client, whatever X-Forwarded-For says", () => {
  assert.deepEqual(clientAddress(req("1.2.3.4"), "203.0.113.9", PROXIES), "203.0.113.9");
  assert.deepEqual(clientAddress(req(), "2001:db8::7", PROXIES), "2001:db8::7");
});

Deno.test("client address: behind a trusted proxy (private or loopback peer), the client's hop", () => {
  for (const peer of ["127.0.0.1", "10.1.2.3", "172.20.0.5", "192.168.1.1", "::1", "fd00::1"]) {
    assert.deepEqual(
      clientAddress(req("203.0.113.7, 10.0.0.1"), peer, PROXIES),
      "203.0.113.7",
      peer,
    );
  }
  assert.deepEqual(clientAddress(req("[2001:DB8::1]:443"), "10.0.0.1", PROXIES), "2001:db8::1");
  assert.deepEqual(clientAddress(req("198.51.100.2:5000"), "10.0.0.1", PROXIES), "198.51.100.2");
  // 172.32.x is public: not a proxy.
  assert.deepEqual(clientAddress(req("203.0.113.7"), "172.32.0.1", PROXIES), "172.32.0.1");
});

Deno.test("client address: junk headers fall back to the peer or one shared bucket", () => {
  assert.deepEqual(clientAddress(req("<script>"), "10.0.0.1", PROXIES), "10.0.0.1");
  assert.deepEqual(clientAddress(req("x".repeat(500)), "127.0.0.1", PROXIES), "127.0.0.1");
  assert.deepEqual(clientAddress(req("unknown"), undefined, PROXIES), "unknown");
  assert.deepEqual(clientAddress(req(), undefined, PROXIES), "unknown");
  assert.deepEqual(clientAddress(req("203.0.113.7"), undefined, PROXIES), "203.0.113.7");
});

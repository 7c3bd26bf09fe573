/**
 * Issue 12, "delivery over the wire", on the listening portal, read as sent (node:http does
 * not decompress): HTML, CSS and island JS go out as Brotli or gzip as the client accepts,
 * with `Vary: Accept-Encoding`, and as they are to a client that accepts neither; PDFs (already
 * compressed) and tiny bodies are never compressed. Icons are content-hashed like the
 * stylesheet: the current version is `immutable` for a year, an old or missing version
 * revalidates.
 */
import assert from "node:assert/strict";
import { type Portal, startPortal } from "@/tests/helpers/portal.ts";
import { gunzip, rawRequest, type RawResponse } from "@/tests/helpers/wire.ts";

const IMMUTABLE = "public, max-age=31536000, immutable";
const ORDER = "ORD-008456";

async function unbrotli(bytes: Uint8Array): Promise<string> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(
    new DecompressionStream("brotli" as CompressionFormat),
  );
  return await new Response(stream).text();
}

function get(portal: Portal, path: string, acceptEncoding?: string): Promise<RawResponse> {
  return rawRequest(portal.url + path, {
    headers: acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding },
  });
}

/** The text of `res`, decoded as its Content-Encoding says. */
async function text(res: RawResponse): Promise<string> {
  const enc = res.headers["content-encoding"];
  if (enc === "br") return await unbrotli(res.body);
  if (enc === "gzip") return await gunzip(res.body);
  assert.equal(enc, undefined);
  return new TextDecoder().decode(res.body);
}

Deno.test({
  name: "HTML, CSS and JS: br or gzip as accepted, Vary: Accept-Encoding, identity otherwise",
  sanitizeResources: false,
  fn: async () => {
    const portal = await startPortal({ listen: true });
    try {
      const page = `${portal.dashboard}/orders/${ORDER}`;
      const plain = await get(portal, page);
      const html = await text(plain);
      const bundle = html.match(/\/_fresh\/js\/TrackingTimeline-[^"']+\.js/)?.[0];
      assert(
        bundle,
        "the order page loads the timeline island's bundle (Report Issue's is lazy and small)",
      );
      for (
        const [path, type] of [[page, "text/html"], ["/styles.css", "text/css"], [
          bundle,
          "javascript",
        ]]
      ) {
        const identity = await get(portal, path, "identity");
        const original = await text(identity);
        assert(original.length > 1024, `${path} is worth compressing`);
        assert.match(identity.headers["content-type"], new RegExp(type));
        assert.equal(identity.headers["vary"]?.toLowerCase().includes("accept-encoding"), true);
        assert.equal(Number(identity.headers["content-length"]), identity.body.byteLength);

        const none = await get(portal, path);
        assert.equal(
          none.headers["content-encoding"],
          undefined,
          `${path} without Accept-Encoding`,
        );

        // A browser's header: Brotli, the smaller.
        const br = await get(portal, path, "gzip, deflate, br, zstd");
        assert.equal(br.headers["content-encoding"], "br", path);
        assert.match(br.headers["vary"], /accept-encoding/i);
        assert(br.body.byteLength < identity.body.byteLength / 2, `${path} br shrinks`);

        const gz = await get(portal, path, "gzip");
        assert.equal(gz.headers["content-encoding"], "gzip", path);
        assert.match(gz.headers["vary"], /accept-encoding/i);
        assert(gz.body.byteLength < identity.body.byteLength / 2, `${path} gzip shrinks`);
        // gzip preferred by q-value wins over br.
        const q = await get(portal, path, "br;q=0.5, gzip");
        assert.equal(q.headers["content-encoding"], "gzip");

        if (path !== page) {
          // Static and bundled files are the same bytes every time: compare them whole.
          assert.equal(await text(br), original, `${path} br round-trips`);
          assert.equal(await text(gz), original, `${path} gzip round-trips`);
        } else {
          assert.match(await text(br), /<\/html>\s*$/);
          assert.match(await text(gz), /<\/html>\s*$/);
        }
      }
    } finally {
      await portal.close();
    }
  },
});

Deno.test({
  name: "never compressed: a PDF (already compressed) and a tiny body",
  sanitizeResources: false,
  fn: async () => {
    const portal = await startPortal({ listen: true });
    try {
      const pdf = await get(
        portal,
        `/api/portal/customer/${portal.token}/orders/${ORDER}/documents/invoice`,
        "gzip, deflate, br",
      );
      assert.equal(pdf.status, 200);
      assert.equal(pdf.headers["content-type"], "application/pdf");
      assert.equal(pdf.headers["content-encoding"], undefined);
      assert.equal(new TextDecoder().decode(pdf.body.subarray(0, 5)), "%PDF-");

      const tiny = await get(portal, "/healthz", "gzip, deflate, br");
      assert.equal(tiny.status, 200);
      assert.equal(tiny.headers["content-encoding"], undefined);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(tiny.body)), { ok: true });
    } finally {
      await portal.close();
    }
  },
});

Deno.test({
  name: "icons are content-hashed and immutable like the stylesheet; old versions revalidate",
  sanitizeResources: false,
  fn: async () => {
    const portal = await startPortal({ listen: true });
    try {
      const home = await text(await get(portal, portal.dashboard));
      const css = home.match(/\/styles\.css\?v=[0-9a-f]{8}/)?.[0];
      const favicon = home.match(/\/favicon\.svg\?v=[0-9a-f]{8}/)?.[0];
      assert(css && favicon, "the page links versioned assets");
      const sheet = await text(await get(portal, css));
      const icons = [...sheet.matchAll(/url\(["']?(\/icons\/[^"')?]+\?v=[0-9a-f]{8})["']?\)/g)]
        .map((m) => m[1]);
      assert(icons.length > 0, "the stylesheet references its icons by version");
      const unversioned = [...sheet.matchAll(/url\(["']?(\/icons\/[^"')?]+)["')]/g)];
      assert.deepEqual(unversioned.map((m) => m[1]), [], "no icon without its version");
      for (const path of [css, favicon, ...new Set(icons)]) {
        const current = await get(portal, path);
        assert.equal(current.status, 200, path);
        assert.equal(current.headers["cache-control"], IMMUTABLE, path);
        const bare = path.slice(0, path.indexOf("?"));
        for (const other of [bare, `${bare}?v=00000000`]) {
          const res = await get(portal, other);
          assert.equal(res.status, 200, other);
          assert.equal(res.headers["cache-control"], "public, max-age=3600", other);
        }
      }
    } finally {
      await portal.close();
    }
  },
});

Deno.test({
  name: "a compressed island page's scripts carry the nonce its CSP names (br, gzip, identity)",
  sanitizeResources: false,
  fn: async () => {
    const portal = await startPortal({ listen: true });
    try {
      for (const enc of ["br, gzip", "gzip", undefined]) {
        const res = await get(portal, `${portal.dashboard}/orders/${ORDER}`, enc);
        const html = await text(res);
        const nonces = [...html.matchAll(/<script[^>]* nonce="([^"]+)"/g)].map((m) => m[1]);
        assert(nonces.length > 0, `the order page has island scripts (${enc})`);
        const csp = res.headers["content-security-policy"] ?? "";
        for (const n of nonces) assert(csp.includes(`'nonce-${n}'`), `${enc}: ${n} in ${csp}`);
      }
    } finally {
      await portal.close();
    }
  },
});

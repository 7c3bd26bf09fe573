import { assertEquals } from "@/tests/helpers/assert.ts";
import {
  dashboardHref,
  firstPageQuery,
  MAX_PREV,
  nextPageQuery,
  orderHref,
  prevPageQuery,
} from "@/lib/pages/links.ts";

Deno.test("paging links: next pushes this page's start, previous pops it", () => {
  const p1 = { filter: "delivered" as const, cursor: null, prev: [] };
  const n1 = nextPageQuery(p1, "C2");
  assertEquals(n1.toString(), "status=delivered&cursor=C2&prev=");
  const p2 = { filter: "delivered" as const, cursor: "C2", prev: [""] };
  assertEquals(nextPageQuery(p2, "C3").toString(), "status=delivered&cursor=C3&prev=&prev=C2");
  assertEquals(prevPageQuery(p2)?.toString(), "status=delivered");
  const p3 = { filter: "all" as const, cursor: "C3", prev: ["", "C2"] };
  assertEquals(prevPageQuery(p3)?.toString(), "cursor=C2&prev=");
  assertEquals(prevPageQuery(p1), null);
  assertEquals(firstPageQuery(p3).toString(), "");
});

Deno.test("paging links: the remembered stack is capped", () => {
  const prev = Array.from({ length: MAX_PREV }, (_, i) => `C${i}`);
  const q = nextPageQuery({ filter: "all", cursor: "CX", prev }, "CY");
  assertEquals(q.getAll("prev").length, MAX_PREV);
  assertEquals(q.getAll("prev").at(-1), "CX");
});

Deno.test("token and order number are path-encoded", () => {
  assertEquals(orderHref("a/b", "ORD 1"), "/customer/a%2Fb/orders/ORD%201");
  assertEquals(
    dashboardHref("t", new URLSearchParams({ status: "active" })),
    "/customer/t?status=active",
  );
});

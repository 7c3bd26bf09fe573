import assert from "node:assert/strict";
import {
  dashboardHref,
  filterQuery,
  firstPageQuery,
  MAX_PREV,
  nextPageQuery,
  orderHref,
  prevPageQuery,
} from "@/lib/pages/links.ts";

Deno.test("paging links: next pushes this page's start and number, previous pops them", () => {
  const p1 = { filter: "delivered" as const, cursor: null, prev: [] };
  const n1 = nextPageQuery(p1, "C2");
  assert.deepEqual(n1.toString(), "status=delivered&cursor=C2&prev=&page=2");
  const p2 = { filter: "delivered" as const, cursor: "C2", prev: [""], page: 2 };
  assert.deepEqual(
    nextPageQuery(p2, "C3").toString(),
    "status=delivered&cursor=C3&prev=&prev=C2&page=3",
  );
  assert.deepEqual(prevPageQuery(p2)?.toString(), "status=delivered");
  const p3 = { filter: "all" as const, cursor: "C3", prev: ["", "C2"], page: 3 };
  assert.deepEqual(prevPageQuery(p3)?.toString(), "cursor=C2&prev=&page=2");
  assert.deepEqual(prevPageQuery(p1), null);
  assert.deepEqual(firstPageQuery(p3).toString(), "");
});

Deno.test("paging links: a search pages by number and keeps its query and filter", () => {
  const s1 = { filter: "active" as const, cursor: null, prev: [], q: "PO-44" };
  assert.deepEqual(nextPageQuery(s1, null).toString(), "q=PO-44&status=active&page=2");
  assert.deepEqual(prevPageQuery(s1), null);
  const s3 = { ...s1, page: 3 };
  assert.deepEqual(prevPageQuery(s3)?.toString(), "q=PO-44&status=active&page=2");
  assert.deepEqual(firstPageQuery(s3).toString(), "q=PO-44&status=active");
  assert.deepEqual(filterQuery("in_transit").toString(), "status=in_transit");
  assert.deepEqual(filterQuery("all").toString(), "");
});

Deno.test("paging links: the remembered stack is capped", () => {
  const prev = Array.from({ length: MAX_PREV }, (_, i) => `C${i}`);
  const q = nextPageQuery({ filter: "all", cursor: "CX", prev }, "CY");
  assert.deepEqual(q.getAll("prev").length, MAX_PREV);
  assert.deepEqual(q.getAll("prev").at(-1), "CX");
});

Deno.test("token and order number are path-encoded", () => {
  assert.deepEqual(orderHref("a/b", "ORD 1"), "/customer/a%2Fb/orders/ORD%201");
  assert.deepEqual(
    dashboardHref("t", new URLSearchParams({ status: "active" })),
    "/customer/t?status=active",
  );
});

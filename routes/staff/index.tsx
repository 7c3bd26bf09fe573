/** `GET /staff`: the console opens on the ticket queue. */
import { staffDefine } from "@/lib/state.ts";

export const handler = staffDefine.handlers({
  GET(ctx) {
    return ctx.redirect("/staff/tickets", 303);
  },
});

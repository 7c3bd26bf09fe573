/**
 * The operator CLI, `deno task admin <command>` (contract.md "Operator CLI"). Each command
 * prints one short human line, or JSON with `--json`; bad input exits 2 with a message on
 * stderr, a failure of the store exits 1. It opens the same KV as the server (`KV_PATH`).
 *
 *   org create --slug acme --name "ACME Manufacturing" --support-email sales@acme.com --support-phone "(555) 123-4567"
 *   key create --org acme
 *   customer upsert --org acme --ref CUST-RS-2026-045 --name "Retail Store Co." --email ops@retailstore.example [--locale en|es|pl] [--phone ...]
 *   order upsert --org acme --file order.json [--number ORD-008456]   (file "-" = stdin)
 *   shipment upsert --org acme --order ORD-008456 --tracking 1Z999AA10123456784 --carrier UPS --shipped-at 2026-01-15T10:30:00-05:00 [--carrier-name ...] [--service ...] [--estimated-delivery 2026-01-18]
 *   link create --org acme --customer CUST-RS-2026-045 [--send] [--recipient-name …] [--recipient-email …] [--label …]
 *   link list --org acme --customer CUST-RS-2026-045
 *   link revoke --org acme --customer CUST-RS-2026-045          (every link of the customer)
 *   link revoke --org acme --link lnk_…                         (that one link)
 *   ticket list --org acme
 *   logs --org acme
 *   staff add --org acme --email ops@acme.example --role admin|support|viewer
 *   staff list --org acme
 *   staff remove --org acme --email ops@acme.example
 *   staff domain --org acme --domain acme.example [--role viewer]   (--domain off: none)
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { ConfigError, loadConfig } from "@/lib/config.ts";
import {
  ConflictError,
  type Fields,
  fieldsFromZod,
  InvalidInputError,
  NotFoundError,
} from "@/lib/errors.ts";
import {
  CustomerInput,
  CustomerRef,
  OrderInput,
  OrderNumber,
  OrgInput,
  OrgSlug,
  ShipmentInput,
  TrackingNumber,
} from "@/lib/orders/input.ts";
import { getCustomer, UnknownCustomerError, upsertCustomer } from "@/lib/orders/customers.ts";
import { LimitError, OrderNotFoundError, upsertOrder } from "@/lib/orders/orders.ts";
import { createOrg, getOrg, OrgExistsError } from "@/lib/orders/orgs.ts";
import { type Services, systemClock } from "@/lib/services.ts";
import { createApiKey } from "@/lib/access/api_keys.ts";
import { LinkRecipientFields } from "@/lib/access/link_input.ts";
import {
  createLink,
  customerOfLink,
  LINK_ID,
  listLinks,
  revokeLink,
  revokeLinks,
} from "@/lib/access/tokens.ts";
import { listTickets } from "@/lib/issues/tickets.ts";
import { CARRIER_NAMES } from "@/lib/orders/carrier_links.ts";
import { putShipment } from "@/lib/tracking/fetch_now.ts";
import { listLogs } from "@/lib/tracking/integration_log.ts";
import {
  addStaffMember,
  EmailDomain,
  getAllowedDomain,
  listStaffMembers,
  removeStaffMember,
  setAllowedDomain,
  StaffEmail,
} from "@/lib/staff/members.ts";
import { CLI_ACTOR } from "@/lib/staff/audit.ts";
import { StaffRoleSchema } from "@/lib/staff/roles.ts";

const LINK_ID_SCHEMA = z.string().regex(LINK_ID, "A link id such as lnk_0123456789abcdef.");

/** Bad input: exit code 2, message on stderr. */
export class UsageError extends Error {}

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** The whole of standard input (for `--file -`). */
  readStdin: () => Promise<string>;
  readFile: (path: string) => Promise<string>;
}

const USAGE = `Usage: deno task admin <command> [options] [--json]
  org create --slug <slug> --name <name> --support-email <email> --support-phone <phone>
  key create --org <slug>
  customer upsert --org <slug> --ref <ref> --name <name> --email <email> [--phone <p>] [--locale en|es|pl]
  order upsert --org <slug> --file <order.json|-> [--number <order_number>]
  shipment upsert --org <slug> --order <order_number> --tracking <number> --carrier <name>
      --shipped-at <ISO time> [--carrier-name <name>] [--service <s>] [--estimated-delivery <date>]
  link create --org <slug> --customer <ref> [--send] [--recipient-name <name>] [--recipient-email <email>] [--label <label>]
  link list --org <slug> --customer <ref>
  link revoke --org <slug> --customer <ref>   (every link of the customer)
  link revoke --org <slug> --link <link_id>   (one link)
  ticket list --org <slug>
  logs --org <slug>
  staff add --org <slug> --email <email> --role admin|support|viewer
  staff list --org <slug>
  staff remove --org <slug> --email <email>
  staff domain --org <slug> --domain <domain|off> [--role admin|support|viewer]`;

const OPTIONS = {
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  send: { type: "boolean" },
  slug: { type: "string" },
  name: { type: "string" },
  "support-email": { type: "string" },
  "support-phone": { type: "string" },
  org: { type: "string" },
  ref: { type: "string" },
  customer: { type: "string" },
  email: { type: "string" },
  phone: { type: "string" },
  locale: { type: "string" },
  file: { type: "string" },
  number: { type: "string" },
  role: { type: "string" },
  domain: { type: "string" },
  link: { type: "string" },
  "recipient-name": { type: "string" },
  "recipient-email": { type: "string" },
  label: { type: "string" },
  order: { type: "string" },
  tracking: { type: "string" },
  carrier: { type: "string" },
  "carrier-name": { type: "string" },
  "shipped-at": { type: "string" },
  service: { type: "string" },
  "estimated-delivery": { type: "string" },
} as const;

type Flags = Partial<Record<keyof typeof OPTIONS, string | boolean>>;

function describeFields(fields: Fields): string {
  return Object.entries(fields)
    .map(([field, msgs]) => `${field}: ${msgs.join(" ")}`)
    .join("; ");
}

function parse<T extends z.ZodType>(schema: T, value: unknown, label?: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new UsageError(
      label
        ? `${label}: ${r.error.issues[0].message}`
        : `Invalid input: ${describeFields(fieldsFromZod(r.error.issues))}`,
    );
  }
  return r.data;
}

/** `parse` for values that came from flags: problems are named by flag (`--support-email`). */
function parseFlags<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const byFlag = Object.entries(fieldsFromZod(r.error.issues))
      .map(([field, msgs]) => `--${field.replaceAll("_", "-")}: ${msgs.join(" ")}`);
    throw new UsageError(`Invalid input: ${byFlag.join("; ")}`);
  }
  return r.data;
}

function required(flags: Flags, name: keyof typeof OPTIONS): string {
  const v = flags[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`Missing --${name}.`);
  return v;
}

async function requireOrg(services: Services, flags: Flags) {
  const slug = parse(OrgSlug, required(flags, "org"), "--org");
  const org = await getOrg(services.kv, slug);
  if (!org) throw new UsageError(`No org "${slug}". Create it with: org create --slug ${slug} ...`);
  return org;
}

async function requireCustomer(services: Services, org: string, flags: Flags) {
  const ref = parse(CustomerRef, required(flags, "customer"), "--customer");
  const customer = await getCustomer(services.kv, org, ref);
  if (!customer) throw new UsageError(`No customer "${ref}" in org "${org}".`);
  return customer;
}

type Result = { human: string; json: unknown };

async function readOrderFile(flags: Flags, io: CliIo): Promise<unknown> {
  const file = required(flags, "file");
  let text: string;
  try {
    text = file === "-" ? await io.readStdin() : await io.readFile(file);
  } catch (err) {
    throw new UsageError(`Cannot read ${file}: ${err instanceof Error ? err.message : err}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${file === "-" ? "stdin" : file} is not valid JSON.`);
  }
}

const COMMANDS: Record<string, (s: Services, f: Flags, io: CliIo) => Promise<Result>> = {
  async "org create"(services, flags) {
    const input = parseFlags(OrgInput, {
      slug: required(flags, "slug"),
      name: required(flags, "name"),
      support_email: required(flags, "support-email"),
      support_phone: required(flags, "support-phone"),
    });
    try {
      const org = await createOrg(services.kv, input, services.clock.now());
      return { human: `Created org ${org.slug} (${org.name}).`, json: org };
    } catch (err) {
      if (err instanceof OrgExistsError) throw new UsageError(err.message);
      throw err;
    }
  },

  async "key create"(services, flags) {
    const org = await requireOrg(services, flags);
    const { key } = await createApiKey(services.kv, org.slug, services.clock.now());
    return {
      human: `API key for ${org.slug} (shown once, store it now):\n${key}`,
      json: { org: org.slug, key },
    };
  },

  async "customer upsert"(services, flags) {
    const org = await requireOrg(services, flags);
    const ref = parse(CustomerRef, required(flags, "ref"), "--ref");
    const input = parseFlags(CustomerInput, {
      name: required(flags, "name"),
      email: required(flags, "email"),
      ...(flags.phone ? { phone: flags.phone } : {}),
      ...(flags.locale ? { locale: flags.locale } : {}),
    });
    const { customer, created } = await upsertCustomer(
      services.kv,
      org.slug,
      ref,
      input,
      services.clock.now(),
    );
    return {
      human: `${
        created ? "Created" : "Updated"
      } customer ${ref} (${customer.name}) in ${org.slug}.`,
      json: { created, customer },
    };
  },

  async "order upsert"(services, flags, io) {
    const org = await requireOrg(services, flags);
    const raw = await readOrderFile(flags, io);
    // The file is the admin API's order body; the number comes from --number or an
    // "order_number" field in the file (the API takes it from the URL).
    const rawObj = (typeof raw === "object" && raw !== null && !Array.isArray(raw))
      ? { ...raw as Record<string, unknown> }
      : raw;
    let numberValue: unknown = flags.number;
    if (typeof rawObj === "object" && rawObj !== null && "order_number" in rawObj) {
      numberValue ??= (rawObj as Record<string, unknown>).order_number;
      delete (rawObj as Record<string, unknown>).order_number;
    }
    if (numberValue === undefined) {
      throw new UsageError('Give the order number with --number or an "order_number" field.');
    }
    const number = parse(OrderNumber, numberValue, "order number");
    const input = parse(OrderInput, rawObj);
    try {
      const { order, created } = await upsertOrder(
        services.kv,
        org.slug,
        number,
        input,
        services.clock.now(),
      );
      return {
        human: `${created ? "Created" : "Updated"} order ${number} for ${order.customer_ref}: ` +
          `${order.items_count} lines, total ${order.total} ${order.currency}, ${order.status}.`,
        json: { created, order },
      };
    } catch (err) {
      if (err instanceof UnknownCustomerError) throw new UsageError(err.detail);
      if (err instanceof LimitError) throw new UsageError(err.message);
      throw err;
    }
  },

  async "shipment upsert"(services, flags) {
    const org = await requireOrg(services, flags);
    const number = parse(OrderNumber, required(flags, "order"), "--order");
    const tracking = parse(TrackingNumber, required(flags, "tracking"), "--tracking");
    const optional = (flag: keyof typeof OPTIONS, field: string) =>
      typeof flags[flag] === "string" ? { [field]: flags[flag] } : {};
    const input = parse(ShipmentInput, {
      carrier: required(flags, "carrier"),
      shipped_at: required(flags, "shipped-at"),
      ...optional("carrier-name", "carrier_name"),
      ...optional("service", "service"),
      ...optional("estimated-delivery", "estimated_delivery"),
    });
    try {
      // The same path as the admin API's PUT: the first carrier fetch is queued with it.
      const { shipment, created, fetch_queued } = await putShipment(
        services,
        org.slug,
        number,
        tracking,
        input,
      );
      const name = shipment.carrier_name ?? CARRIER_NAMES[shipment.carrier];
      const how = shipment.carrier === "manual"
        ? "a manual carrier (post its events with the admin API)"
        : `tracked as ${shipment.carrier}${fetch_queued ? ", carrier fetch queued" : ""}`;
      return {
        human: `${
          created ? "Created" : "Updated"
        } shipment ${tracking} on order ${number}: ${name}, ${how}.`,
        json: { created, fetch_queued, shipment },
      };
    } catch (err) {
      if (err instanceof OrderNotFoundError || err instanceof LimitError) {
        throw new UsageError(err.message);
      }
      throw err;
    }
  },

  async "link create"(services, flags) {
    const org = await requireOrg(services, flags);
    const customer = await requireCustomer(services, org.slug, flags);
    const opt = (name: keyof typeof OPTIONS) =>
      typeof flags[name] === "string" ? flags[name] as string : undefined;
    const recipientName = opt("recipient-name") === undefined
      ? undefined
      : parse(LinkRecipientFields.recipient_name, opt("recipient-name"), "--recipient-name");
    const recipientEmail = opt("recipient-email") === undefined
      ? undefined
      : parse(LinkRecipientFields.recipient_email, opt("recipient-email"), "--recipient-email");
    const label = opt("label") === undefined
      ? undefined
      : parse(LinkRecipientFields.label, opt("label"), "--label");
    const link = await createLink(services, org.slug, customer.ref, {
      source: "operator_cli",
      createdBy: { kind: "cli" },
      sendEmail: flags.send === true,
      recipientName,
      recipientEmail,
      label,
    });
    const sent = link.emailed_to ? ` Emailed to ${link.emailed_to}.` : "";
    return {
      human:
        `Magic link for ${customer.ref} (shown once), expires ${link.expires_at} (id ${link.link_id}):${sent}\n${link.url}`,
      json: {
        link_id: link.link_id,
        url: link.url,
        expires_at: link.expires_at,
        emailed: flags.send === true,
      },
    };
  },

  async "link list"(services, flags) {
    const org = await requireOrg(services, flags);
    const customer = await requireCustomer(services, org.slug, flags);
    const links = await listLinks(services, org.slug, customer.ref);
    const lines = links.map((l) =>
      [
        l.link_id,
        l.status,
        l.source ?? "-",
        l.recipient_email ?? l.recipient_name ?? "(shared)",
        l.label ?? "",
        `created ${l.created_at}`,
        `last used ${l.last_used_at ?? "never"}`,
        `${l.views} views, ${l.downloads} downloads`,
      ].join("  ")
    );
    return {
      human: lines.length ? lines.join("\n") : `No links for ${customer.ref} in ${org.slug}.`,
      json: { links },
    };
  },

  async "link revoke"(services, flags) {
    const org = await requireOrg(services, flags);
    if (typeof flags.link === "string") {
      const linkId = parse(
        LINK_ID_SCHEMA,
        flags.link,
        "--link",
      );
      const ref = typeof flags.customer === "string"
        ? (await requireCustomer(services, org.slug, flags)).ref
        : await customerOfLink(services.kv, org.slug, linkId);
      if (!ref) throw new UsageError(`No link ${linkId} in org "${org.slug}".`);
      try {
        const { revoked } = await revokeLink(services, org.slug, ref, linkId, {
          by: { kind: "cli" },
        });
        return {
          human: revoked
            ? `Revoked link ${linkId} of ${ref} in ${org.slug}.`
            : `Link ${linkId} of ${ref} had already ended.`,
          json: { org: org.slug, customer_ref: ref, link_id: linkId, revoked: revoked ? 1 : 0 },
        };
      } catch (err) {
        if (err instanceof NotFoundError) throw new UsageError(err.message);
        throw err;
      }
    }
    const customer = await requireCustomer(services, org.slug, flags);
    const revoked = await revokeLinks(services.kv, org.slug, customer.ref, services.clock.now(), {
      by: { kind: "cli" },
    });
    return {
      human: `Revoked ${revoked} link${
        revoked === 1 ? "" : "s"
      } of ${customer.ref} in ${org.slug}.`,
      json: { org: org.slug, customer_ref: customer.ref, revoked },
    };
  },

  async "ticket list"(services, flags) {
    const org = await requireOrg(services, flags);
    const { tickets } = await listTickets(services.kv, org.slug, { limit: 100 });
    const lines = tickets.map((t) =>
      `${t.ticket_number}  ${t.created_at}  ${t.order_number}  ${t.issue_type}  ${t.contact_email}`
    );
    return {
      human: tickets.length ? lines.join("\n") : `No tickets for ${org.slug}.`,
      json: { tickets },
    };
  },

  async "logs"(services, flags) {
    const org = await requireOrg(services, flags);
    const { logs } = await listLogs(services.kv, org.slug, { limit: 100 });
    const lines = logs.map((l) =>
      [l.at, l.kind, l.carrier, l.outcome, l.tracking_numbers.join(","), l.detail ?? ""]
        .join("  ").trimEnd()
    );
    return {
      human: logs.length ? lines.join("\n") : `No integration logs for ${org.slug}.`,
      json: { logs },
    };
  },

  async "staff add"(services, flags) {
    const org = await requireOrg(services, flags);
    const email = parse(StaffEmail, required(flags, "email"), "--email");
    const role = parse(StaffRoleSchema, required(flags, "role"), "--role");
    const { member, created } = await addStaffMember(services, CLI_ACTOR, {
      org: org.slug,
      email,
      role,
    });
    const human = created
      ? `Invited ${email} to ${org.slug} as ${role}: they sign in at /staff with their company account.`
      : `${email} in ${org.slug} is ${role}.`;
    return { human, json: { created, member } };
  },

  async "staff list"(services, flags) {
    const org = await requireOrg(services, flags);
    const members = await listStaffMembers(services.kv, org.slug);
    const domain = await getAllowedDomain(services.kv, org.slug);
    const lines = members.map((m) =>
      [m.email, m.role, m.status, m.last_sign_in_at ?? "never signed in"].join("  ")
    );
    if (domain) lines.push(`Allowed domain: ${domain.domain} (joins as ${domain.role})`);
    return {
      human: lines.length ? lines.join("\n") : `No staff in ${org.slug}.`,
      json: { members, allowed_domain: domain },
    };
  },

  async "staff remove"(services, flags) {
    const org = await requireOrg(services, flags);
    const email = parse(StaffEmail, required(flags, "email"), "--email");
    const removed = await removeStaffMember(services, CLI_ACTOR, org.slug, email);
    if (!removed) throw new UsageError(`${email} is not staff of ${org.slug}.`);
    return {
      human: `Removed ${email} from ${org.slug}; their sessions have ended.`,
      json: { org: org.slug, email, removed },
    };
  },

  async "staff domain"(services, flags) {
    const org = await requireOrg(services, flags);
    const value = required(flags, "domain");
    const domain = value === "off" ? null : parse(EmailDomain, value, "--domain");
    const role = flags.role ? parse(StaffRoleSchema, flags.role, "--role") : "viewer";
    const record = await setAllowedDomain(services, CLI_ACTOR, org.slug, domain, role);
    return {
      human: record
        ? `Every verified address @${record.domain} may now join ${org.slug} as ${record.role}.`
        : `${org.slug} no longer admits addresses by domain (invited staff only).`,
      json: { org: org.slug, allowed_domain: record },
    };
  },
};

/**
 * Runs one CLI command against `services`; returns the exit code (0 ok, 1 failure,
 * 2 bad input). Tests call this in-process; `main` wires it to the real KV and stdio.
 */
export async function runCli(args: string[], services: Services, io: CliIo): Promise<number> {
  let flags: Flags;
  let positionals: string[];
  try {
    const parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
    flags = parsed.values as Flags;
    positionals = parsed.positionals;
  } catch (err) {
    io.stderr(`${err instanceof Error ? err.message : err}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help || positionals.length === 0) {
    (flags.help ? io.stdout : io.stderr)(USAGE);
    return flags.help ? 0 : 2;
  }
  const name = positionals[0] === "logs" ? "logs" : positionals.slice(0, 2).join(" ");
  const extra = positionals.slice(name.split(" ").length);
  const command = COMMANDS[name];
  if (!command || extra.length > 0) {
    io.stderr(`Unknown command: ${positionals.join(" ")}\n\n${USAGE}`);
    return 2;
  }
  try {
    const result = await command(services, flags, io);
    io.stdout(flags.json ? JSON.stringify(result.json, null, 2) : result.human);
    return 0;
  } catch (err) {
    const message = err instanceof UsageError
      ? err.message
      : err instanceof InvalidInputError
      ? `Invalid input: ${describeFields(err.fields ?? {})}`
      : err instanceof ConflictError
      ? `${err.message} (try again)`
      : null;
    if (message !== null) {
      io.stderr(flags.json ? JSON.stringify({ error: message }) : `Error: ${message}`);
      return err instanceof ConflictError ? 1 : 2;
    }
    io.stderr(`Error: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig(Deno.env.toObject());
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  const kvPath = config.kvPath;
  if (kvPath && kvPath !== ":memory:" && !/^https?:\/\//.test(kvPath) && kvPath.includes("/")) {
    await Deno.mkdir(kvPath.replace(/\/[^/]*$/, "") || "/", { recursive: true });
  }
  const kv = await Deno.openKv(kvPath);
  try {
    return await runCli(Deno.args, { kv, config, clock: systemClock }, {
      stdout: (line) => console.log(line),
      stderr: (line) => console.error(line),
      readStdin: () => new Response(Deno.stdin.readable).text(),
      readFile: (path) => Deno.readTextFile(path),
    });
  } finally {
    kv.close();
  }
}

if (import.meta.main) Deno.exit(await main());

/** One event as `docker compose logs` shows it with LOG_FORMAT=pretty (the stack's default). */
export interface LogEvent {
  level: string;
  service: string;
  instance: string;
  msg: string;
  fields: Record<string, unknown>;
}

// worker_2      | [14:04:14.358] INFO: worker/373f885ca225-1 upload developed {"uploadId":"…","ms":354,…}
// (Compose v2 writes `worker-2  | `; both prefixes match.)
const LINE = /^\S+\s*\|\s\[\d\d:\d\d:\d\d\.\d{3}\]\s([A-Z]+):\s([\w-]+)\/(\S+)\s(.*)$/;

/** Parses a pretty log line, or undefined for anything else (nginx's lines, a stack trace). */
export function parsePrettyLine(line: string): LogEvent | undefined {
  const match = LINE.exec(line);
  if (!match) return undefined;
  const [, level, service, instance, rest] = match as unknown as [string, string, string, string, string];
  const brace = rest.indexOf(' {"');
  let fields: Record<string, unknown> = {};
  let msg = rest;
  if (brace >= 0) {
    try {
      fields = JSON.parse(rest.slice(brace + 1)) as Record<string, unknown>;
      msg = rest.slice(0, brace);
    } catch {
      /* braces inside the message itself: keep the whole text as the message */
    }
  }
  return { level, service, instance, msg, fields };
}

export function events(lines: string[], msg?: string): LogEvent[] {
  return lines.map(parsePrettyLine).filter((e): e is LogEvent => e !== undefined && (msg === undefined || e.msg === msg));
}

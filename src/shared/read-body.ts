import type { IncomingMessage } from "node:http";

/**
 * A request body, or undefined once it passes `limit` bytes. The rest is drained rather than the
 * socket destroyed, so the caller can still answer with a proper error.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (part: Buffer) => {
      size += part.length;
      if (size <= limit) parts.push(part);
    });
    req.on("end", () => resolve(size > limit ? undefined : Buffer.concat(parts)));
    req.on("error", reject);
  });
}

import { randomBytes } from "node:crypto";

/** Registry passwords handed out by GetAuthorizationToken, each valid until its expiry. */
export class RegistryPasswords {
  private readonly expiries = new Map<string, number>();

  issue(ttlSeconds: number, now = Date.now()): { password: string; expiresAt: Date } {
    for (const [password, expiry] of this.expiries) if (expiry <= now) this.expiries.delete(password);
    const password = randomBytes(48).toString("base64url");
    const expiresAt = new Date(now + ttlSeconds * 1000);
    this.expiries.set(password, expiresAt.getTime());
    return { password, expiresAt };
  }

  check(password: string, now = Date.now()): "valid" | "expired" | "unknown" {
    const expiry = this.expiries.get(password);
    if (expiry === undefined) return "unknown";
    return expiry > now ? "valid" : "expired";
  }
}

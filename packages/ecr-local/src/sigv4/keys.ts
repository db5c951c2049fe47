import { randomBytes } from "node:crypto";

/** A key the endpoint accepts: its long-term pair, or temporary credentials it issued through STS. */
export interface SigningKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** Set for temporary credentials: requests must carry it as X-Amz-Security-Token. */
  sessionToken?: string;
  expiresAt?: Date;
  /** The identity the key stands for, e.g. `arn:aws:iam::123456789012:user/local`. */
  principalArn: string;
}

const KEY_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** A random key pair shaped like AWS's: `AKIA`/`ASIA` + 16 characters, 40-character secret. */
export function generateKeyPair(prefix: "AKIA" | "ASIA"): { accessKeyId: string; secretAccessKey: string } {
  const id = [...randomBytes(16)].map((b) => KEY_ID_ALPHABET[b % 32]).join("");
  return { accessKeyId: prefix + id, secretAccessKey: randomBytes(30).toString("base64") };
}

export class KeyStore {
  private readonly keys = new Map<string, SigningKey>();

  constructor(longTerm: SigningKey) {
    this.keys.set(longTerm.accessKeyId, longTerm);
  }

  lookup(accessKeyId: string): SigningKey | undefined {
    return this.keys.get(accessKeyId);
  }

  issueTemporary(principalArn: string, durationSeconds: number, now = new Date()): SigningKey {
    const key: SigningKey = {
      ...generateKeyPair("ASIA"),
      sessionToken: randomBytes(96).toString("base64"),
      expiresAt: new Date(now.getTime() + durationSeconds * 1000),
      principalArn,
    };
    this.keys.set(key.accessKeyId, key);
    return key;
  }
}

import type { Input } from "../control-plane/input.js";
import { invalidParameter } from "../errors.js";
import type { CatalogData } from "./state.js";

// The limits of RepositoryCatalogDataInput in the ECR Public API reference.
export const CATALOG_LIMITS = {
  description: 1024,
  aboutText: 25600,
  usageText: 25600,
  /** Items of architectures and operatingSystems, each 1 to 50 characters. */
  listItems: 50,
  listItemLength: 50,
  /** Characters of the base64 logoImageBlob in the JSON body. */
  logoBase64: 512000,
} as const;

const constraint = (key: string, what: string) =>
  invalidParameter(`Invalid parameter at '${key}' failed to satisfy constraint: '${what}'`);

function text(input: Input, key: "description" | "aboutText" | "usageText"): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw constraint(`catalogData.${key}`, "Member must be a string");
  if (value.length > CATALOG_LIMITS[key]) {
    throw constraint(
      `catalogData.${key}`,
      `Member must have length less than or equal to ${CATALOG_LIMITS[key]}`,
    );
  }
  return value;
}

function list(input: Input, key: "architectures" | "operatingSystems"): string[] | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw constraint(`catalogData.${key}`, "Member must be a list");
  if (value.length > CATALOG_LIMITS.listItems) {
    throw constraint(
      `catalogData.${key}`,
      `Member must have length less than or equal to ${CATALOG_LIMITS.listItems}`,
    );
  }
  for (const item of value) {
    if (typeof item !== "string" || item.length < 1 || item.length > CATALOG_LIMITS.listItemLength) {
      throw constraint(
        `catalogData.${key}`,
        `Member must satisfy constraint: [Member must have length less than or equal to ${CATALOG_LIMITS.listItemLength}, Member must have length greater than or equal to 1]`,
      );
    }
  }
  // Values other than the Gallery's badges (ARM, ARM 64, x86, x86-64; Linux, Windows) are kept:
  // ECR Public stores them, they only do not show in the Gallery.
  return value as string[];
}

/** RepositoryCatalogDataInput, checked as ECR Public checks it. */
export function catalogDataOf(input: Input): CatalogData {
  const raw = input.catalogData;
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw))
    throw constraint("catalogData", "Member must be an object");
  const data = raw as Input;
  const logo = data.logoImageBlob;
  if (logo !== undefined && logo !== null) {
    if (typeof logo !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(logo)) {
      throw constraint("catalogData.logoImageBlob", "Member must be base64-encoded binary data");
    }
    if (logo.length > CATALOG_LIMITS.logoBase64) {
      throw constraint(
        "catalogData.logoImageBlob",
        `Member must have length less than or equal to ${CATALOG_LIMITS.logoBase64}`,
      );
    }
  }
  const catalog: CatalogData = {
    description: text(data, "description"),
    aboutText: text(data, "aboutText"),
    usageText: text(data, "usageText"),
    architectures: list(data, "architectures"),
    operatingSystems: list(data, "operatingSystems"),
    logoBytes: typeof logo === "string" ? Buffer.from(logo, "base64").length : undefined,
  };
  return Object.fromEntries(Object.entries(catalog).filter(([, v]) => v !== undefined)) as CatalogData;
}

/** RepositoryCatalogData as the API answers it (a logo is served from a URL, never echoed). */
export function catalogJson(catalog: CatalogData | undefined, logoUrl: string) {
  const { logoBytes, ...rest } = catalog ?? {};
  return { ...rest, ...(logoBytes ? { logoUrl } : {}), marketplaceCertified: false };
}

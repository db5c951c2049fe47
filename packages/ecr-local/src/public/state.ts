import type { Context } from "../context.js";
import type { RegistryPasswords } from "../registry/passwords.js";
import type { Store } from "../store/store.js";

/** A repository's catalog data as ECR Public keeps it (the logo as its byte count: only its size is checked). */
export interface CatalogData {
  description?: string;
  aboutText?: string;
  usageText?: string;
  architectures?: string[];
  operatingSystems?: string[];
  logoBytes?: number;
}

/**
 * ECR Public beside the private registry: its own repositories (a store of their own, so a public
 * `ALIAS/NAME` never meets a private repository of that name), catalog data, the registry alias and
 * two kinds of secret: the passwords GetAuthorizationToken hands out, which only the token service
 * takes, and the Bearer tokens that service issues for the registry.
 */
export interface PublicRegistry {
  /** The alias assigned when the first public repository is created (ECR Public's default alias). */
  alias: string;
  /** Whether the alias is assigned yet: DescribeRegistries names none before the first repository. */
  aliasAssigned: boolean;
  /** `localhost:PORT`: the registry host of public repository URIs, as `public.ecr.aws` is ECR Public's. */
  host: string;
  store: Store;
  catalogs: Map<string, CatalogData>;
  passwords: RegistryPasswords;
  bearerTokens: RegistryPasswords;
  /** Tokens the token service gives anyone who asks without credentials: pulls only, as public.ecr.aws. */
  pullTokens: RegistryPasswords;
}

/** The context with ECR Public's store in the place of the private one, for handlers shared with ECR. */
export function publicContext(ctx: Context): Context {
  return { ...ctx, store: ctx.ecrPublic.store, registryHost: ctx.ecrPublic.host };
}

export { type AgentOptions, createRoutingAgents, type RoutingAgents } from "./agents.js";
export { type NetEnv, proxyForEndpoint, proxyForUrl } from "./proxy.js";
export { sdkRequestHandler } from "./sdk.js";
export { TlsErrorCodes, tlsErrorCode, tlsFailure, trustedCertificates } from "./tls.js";

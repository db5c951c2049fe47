import type http from "node:http";
import type https from "node:https";
import { createRoutingAgents } from "./agents.js";
import type { NetEnv } from "./proxy.js";

/**
 * Connection settings for every AWS SDK client the push makes (ECR and STS): the SDK's
 * NodeHttpHandler options, with agents that honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY per request
 * and trust AWS_CA_BUNDLE. (A push through the Docker engine sends the image from the Docker
 * daemon, which uses its own proxy settings: these reach only the AWS API and the daemonless push.)
 */
export function sdkRequestHandler(env: NetEnv): {
  connectionTimeout: number;
  requestTimeout: number;
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
} {
  const agents = createRoutingAgents(env, { maxSockets: 50 });
  // Without a connection timeout an unreachable endpoint would hang the push.
  return {
    connectionTimeout: 10_000,
    requestTimeout: 60_000,
    httpAgent: agents["http:"],
    httpsAgent: agents["https:"],
  };
}

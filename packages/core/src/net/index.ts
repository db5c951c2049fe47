export { sdkRequestHandler } from "./sdk.js";

import { createRequire as __ecrPushCreateRequire } from 'node:module';
const require = __ecrPushCreateRequire(import.meta.url);
import{a,b,c,d,e,f,g}from"./chunk-OGORJ2L5.js";import"./chunk-YKWIKBS6.js";import"./chunk-ITJCUUQL.js";import"./chunk-ECOBRF3P.js";import"./chunk-QU72BM3P.js";import"./chunk-HJ377YOY.js";import"./chunk-7C2AYIAF.js";import"./chunk-HOPICM76.js";export{f as ENV_ACCOUNT_ID,e as ENV_CREDENTIAL_SCOPE,d as ENV_EXPIRATION,a as ENV_KEY,b as ENV_SECRET,c as ENV_SESSION,g as fromEnv};

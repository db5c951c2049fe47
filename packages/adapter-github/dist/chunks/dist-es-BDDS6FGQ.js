import { createRequire as __ecrPushCreateRequire } from 'node:module';
const require = __ecrPushCreateRequire(import.meta.url);
import{a,b,c}from"./chunk-6Q75FX5Q.js";import"./chunk-OGORJ2L5.js";import"./chunk-YKWIKBS6.js";import"./chunk-ITJCUUQL.js";import"./chunk-ECOBRF3P.js";import"./chunk-QU72BM3P.js";import"./chunk-HJ377YOY.js";import"./chunk-7C2AYIAF.js";import"./chunk-HOPICM76.js";export{c as credentialsTreatedAsExpired,b as credentialsWillNeedRefresh,a as defaultProvider};

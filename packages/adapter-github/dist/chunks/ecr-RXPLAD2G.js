import { createRequire as __ecrPushCreateRequire } from 'node:module';
const require = __ecrPushCreateRequire(import.meta.url);
import{d as a}from"./chunk-YQUMQKGO.js";import"./chunk-6Q75FX5Q.js";import"./chunk-7MXFNZ5O.js";import"./chunk-RMSQHN27.js";import"./chunk-X5KUN6C6.js";import"./chunk-IGUPZOU3.js";import"./chunk-OGORJ2L5.js";import"./chunk-YKWIKBS6.js";import"./chunk-ITJCUUQL.js";import"./chunk-ECOBRF3P.js";import"./chunk-QU72BM3P.js";import"./chunk-HJ377YOY.js";import"./chunk-7C2AYIAF.js";import"./chunk-HOPICM76.js";export{a as EcrApi};

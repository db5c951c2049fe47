import { createRequire as __ecrPushCreateRequire } from 'node:module';
const require = __ecrPushCreateRequire(import.meta.url);
var s="us-east-1";export{s as a};

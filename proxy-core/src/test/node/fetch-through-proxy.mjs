// An agent as Node users write one: fetch() with the proxy taken from HTTP_PROXY / HTTPS_PROXY.
// undici sends even http:// URLs through a CONNECT tunnel and speaks plain HTTP inside it.
// Prints "<status> <body>" and exits 0, or prints the error and exits 1.
import { EnvHttpProxyAgent, fetch } from 'undici';

const url = process.argv[2];
const dispatcher = new EnvHttpProxyAgent();
try {
  const response = await fetch(url, { dispatcher, signal: AbortSignal.timeout(10000) });
  console.log(`${response.status} ${await response.text()}`);
  await dispatcher.close();
} catch (error) {
  console.log(`error ${error.cause ?? error}`);
  process.exit(1);
}

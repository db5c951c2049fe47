/** Exit codes a shell expects after a signal: 128 + signal number. */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

export type HandledSignal = keyof typeof EXIT_CODES;

/**
 * Turns SIGINT/SIGTERM into an abort of the running command, so its cleanup (temporary Docker
 * credentials, local tags) runs before the process exits with 130/143. A second signal exits at
 * once; the engine's exit hook still removes temporary files then.
 */
export function abortOnSignals(controller: AbortController): {
  received(): HandledSignal | undefined;
  dispose(): void;
} {
  let received: HandledSignal | undefined;
  const handlers = new Map<HandledSignal, () => void>();
  for (const signal of Object.keys(EXIT_CODES) as HandledSignal[]) {
    const handler = () => {
      if (received) process.exit(EXIT_CODES[received]);
      received = signal;
      controller.abort(new Error(`Interrupted by ${signal}.`));
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return {
    received: () => received,
    dispose: () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    },
  };
}

export function exitCodeForSignal(signal: HandledSignal): number {
  return EXIT_CODES[signal];
}

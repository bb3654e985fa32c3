/**
 * Instrumentation events of the use cases, published on Node's
 * diagnostics_channel (named channels of the runtime, not state of this module):
 * a publish without subscribers is a no-op, and the process's Metrics
 * (server/metrics/metrics.ts, owned by the AppContext) subscribes while it is
 * open. The use cases therefore need no metrics handle in their signatures
 * (password hashing is called from many places, the delivery writers take only
 * a database handle), and tests without a context publish into nothing.
 */
import diagnostics from 'node:diagnostics_channel';

export const CHANNELS = {
  decision: 'educard:decision',
  delivery: 'educard:delivery',
  payment: 'educard:payment',
  argon2: 'educard:argon2',
} as const;

/** A profile version decided: by the registry match (system) or by a person (reviewer). */
export interface DecisionEvent {
  decider: 'registry' | 'reviewer';
  outcome: string;
}

/** Delivery rows written with their final (or queued-again) status. */
export interface DeliveryEvent {
  channel: string;
  status: string;
  errcode: number | null;
  count: number;
}

/** An order or refund entered a state. */
export interface PaymentEvent {
  state: string;
}

export interface Argon2Event {
  operation: 'hash' | 'verify';
  seconds: number;
}

function publish(name: string, event: object): void {
  const channel = diagnostics.channel(name);
  if (channel.hasSubscribers) channel.publish(event);
}

export const instrument = {
  decision: (event: DecisionEvent) => publish(CHANNELS.decision, event),
  delivery: (event: DeliveryEvent) => publish(CHANNELS.delivery, event),
  payment: (event: PaymentEvent) => publish(CHANNELS.payment, event),
  argon2: (event: Argon2Event) => publish(CHANNELS.argon2, event),
};

/** Time an argon2 call and publish its duration (also when it throws). */
export async function timeArgon2<T>(operation: Argon2Event['operation'], run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await run();
  } finally {
    instrument.argon2({ operation, seconds: (performance.now() - started) / 1000 });
  }
}

/** Subscribe `handler` to `name`; returns the unsubscribe function. */
export function subscribe<E>(name: string, handler: (event: E) => void): () => void {
  const listener = (message: unknown) => handler(message as E);
  diagnostics.subscribe(name, listener);
  return () => {
    diagnostics.unsubscribe(name, listener);
  };
}

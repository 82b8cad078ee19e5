import type { Producer } from 'kafkajs';
import { SystemEvent } from '../../schemas/alerts.ts';

/** Publishes system events to the `alerts` topic keyed by event id (the topic's idempotency key). */
export function alertsPublisher(producer: Producer, topic = 'alerts'): (events: SystemEvent[]) => Promise<void> {
  return async (events) => {
    const messages = events.map((e) => ({ key: e.id, value: JSON.stringify(SystemEvent.parse(e)) }));
    await producer.send({ topic, messages });
  };
}

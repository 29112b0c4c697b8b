import { createMemoryEventBus } from '../../adapters/bus/memory-bus.ts';
import { describeEventBusContract } from './event-bus.contract.ts';

describeEventBusContract(
  'memory',
  async () => {
    const bus = createMemoryEventBus({ maxAttempts: 3, retryDelayMs: () => 5 });
    return { bus, deadLetters: () => bus.deadLetters(), close: () => bus.close() };
  },
  { noStore: 'in-memory: events pass within this process, there is no broker to lose' },
);

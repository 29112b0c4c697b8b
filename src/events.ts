import type { EventSchemas } from '../modules/kernel/mod.ts';
import { modules } from './modules.ts';

type Union = (typeof modules)[number]['descriptor']['publishes'];
type Merged<U> = (U extends unknown ? (all: U) => void : never) extends (all: infer All) => void ? All : never;

/** Every event type of the system with its payload schema, as the module publishing it declares it. */
export type EventCatalogue = Merged<Union> & EventSchemas;

function catalogueOf(): EventCatalogue {
  const catalogue: EventSchemas = {};
  for (const { descriptor } of modules) {
    for (const [type, schema] of Object.entries(descriptor.publishes)) {
      if (catalogue[type]) throw new Error(`event type "${type}" is declared by two modules; each type has one publisher`);
      catalogue[type] = schema;
    }
  }
  return catalogue as EventCatalogue;
}

export const eventCatalogue = catalogueOf();

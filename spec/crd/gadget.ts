/**
 * A sample custom resource that uses every codec form the CRD schema builder supports; the unit
 * tests read its schema, the kube tier creates its CRD and objects on kube-apiserver 1.20.
 */
import * as t from 'io-ts';

import { constrained, customResource, described, IntOrString, preserveUnknownFields, setOf } from 'kube-rx';

export const Circle = t.exact(t.type({ kind: t.literal('Circle'), radius: constrained(t.number, { minimum: 0 }) }));
export const Square = t.exact(t.type({ kind: t.literal('Square'), side: constrained(t.number, { minimum: 0 }) }));

export const GadgetSpec = t.exact(
  t.intersection([
    t.type({
      replicas: described(constrained(t.Int, { minimum: 0, maximum: 100 }), 'How many replicas.'),
      name: constrained(t.string, { minLength: 1, maxLength: 20, pattern: '^[a-z][a-z0-9-]*$' }),
      ratio: constrained(t.number, { minimum: 0, exclusiveMinimum: true, maximum: 1 }),
      enabled: t.boolean,
      mode: t.keyof({ Fast: null, Safe: null }),
      level: t.union([t.literal(1), t.literal(2), t.literal(3)]),
      port: IntOrString,
      tags: setOf(t.string),
      ports: constrained(t.array(t.exact(t.type({ name: t.string, port: constrained(t.Int, { minimum: 1, maximum: 65535 }) }))), { maxItems: 4 }),
      labels: t.record(t.string, t.string),
      shape: t.union([Circle, Square]),
    }),
    t.partial({
      note: t.union([t.string, t.null]),
      color: t.union([t.keyof({ red: null, blue: null }), t.undefined]),
      createdAt: constrained(t.string, { format: 'date-time' }),
      id: constrained(t.string, { format: 'uuid' }),
      extra: preserveUnknownFields(t.UnknownRecord),
      weights: constrained(t.record(t.string, t.number), { maxProperties: 3 }),
      history: t.readonlyArray(t.Int),
      step: constrained(t.Int, { multipleOf: 5 }),
      size: t.union([t.Int, t.undefined]),
      owner: t.union([t.exact(t.type({ name: t.string, uid: constrained(t.string, { format: 'uuid' }) })), t.null]),
      aliases: t.union([t.array(t.string), t.null]),
      day: constrained(t.string, { format: 'date' }),
      blob: constrained(t.string, { format: 'byte' }),
    }),
  ]),
);

export const GadgetStatus = t.exact(
  t.partial({
    replicas: t.Int,
    selector: t.string,
    phase: t.keyof({ Pending: null, Ready: null }),
  }),
);

export const Gadget = customResource({
  group: 'crd.kube-rx.example.com',
  kind: 'Gadget',
  plural: 'gadgets',
  shortNames: ['gd'],
  categories: ['kube-rx'],
  scope: 'Namespaced',
  versions: [
    {
      name: 'v1',
      spec: GadgetSpec,
      status: GadgetStatus,
      storage: true,
      printerColumns: [
        { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
        { name: 'Mode', type: 'string', jsonPath: '.spec.mode' },
        { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
      subresources: { scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
    },
    {
      name: 'v1beta1',
      spec: t.exact(t.type({ replicas: t.Int })),
      served: true,
      deprecated: 'crd.kube-rx.example.com/v1beta1 Gadget is deprecated; use v1',
    },
  ],
});

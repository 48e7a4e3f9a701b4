import { describe, expect, it } from 'vitest';
import { defineEventConsumer, EventConsumerRegistry } from './event-consumer.js';

const handle = async () => {};

describe('event consumers', () => {
  it('validates the name, the type filters and the batch size at definition time', () => {
    expect(() => defineEventConsumer({ name: 'Notifications', types: ['content.*'], handle })).toThrow(
      /dotted/,
    );
    expect(() => defineEventConsumer({ name: 'n', types: [], handle })).toThrow(/at least one/);
    expect(() => defineEventConsumer({ name: 'n', types: ['content*'], handle })).toThrow();
    expect(() => defineEventConsumer({ name: 'n', types: ['a.b'], batchSize: 0, handle })).toThrow(
      /batchSize/,
    );
    expect(
      defineEventConsumer({ name: 'campaigns.content_sync', types: ['content.*'], handle }).batchSize,
    ).toBe(100);
  });

  it('routes a type to the consumers that want it, and refuses a name registered twice', () => {
    const registry = new EventConsumerRegistry();
    const content = defineEventConsumer({ name: 'a', types: ['content.*'], handle });
    const comments = defineEventConsumer({
      name: 'b',
      types: ['comment.created', 'content.transitioned'],
      handle,
    });
    registry.register(content, comments);
    expect(registry.matching('content.transitioned').map((c) => c.name)).toEqual(['a', 'b']);
    expect(registry.matching('content.created').map((c) => c.name)).toEqual(['a']);
    expect(registry.matching('contentx.created')).toEqual([]);
    expect(registry.matching('comment.created').map((c) => c.name)).toEqual(['b']);
    expect(() => registry.register(content)).toThrow(/twice/);
  });
});

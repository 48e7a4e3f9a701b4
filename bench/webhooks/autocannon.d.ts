/** The slice of autocannon 9's API the webhooks bench uses (the package ships no types). */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface RawRequest {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string | Buffer;
    }
    interface Options {
      url: string;
      method?: string;
      connections?: number;
      overallRate?: number;
      duration?: number;
      /** Record each latency as measured, without autocannon's coordinated-omission filling. */
      ignoreCoordinatedOmission?: boolean;
      requests?: { setupRequest?: (req: RawRequest, context: Record<string, unknown>) => RawRequest }[];
    }
    interface Histogram {
      p50: number;
      p90: number;
      p99: number;
      p99_9: number;
      average: number;
      max: number;
    }
    interface Result {
      latency: Histogram;
      requests: Histogram & { total: number };
      '2xx': number;
      '5xx': number;
      non2xx: number;
      errors: number;
      timeouts: number;
    }
    /** A running benchmark: a promise of its result that also emits per-response events. */
    interface Instance extends EventEmitter, Promise<Result> {
      on(
        event: 'response',
        listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void,
      ): this;
    }
  }
  function autocannon(opts: autocannon.Options): autocannon.Instance;
  export default autocannon;
}

/** The slice of autocannon 9's API the webhooks bench uses (the package ships no types). */
declare module 'autocannon' {
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
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}

import type { Dispatcher } from 'undici';

/** What a POST came back with: the status, Retry-After, and the start of a failure's body. */
export interface PostAnswer {
  status: number;
  /** The Retry-After header (only read for non-2xx answers). */
  retryAfter?: string;
  /** Up to the first KB of a non-2xx answer's body (utf8); '' for 2xx. */
  text: string;
}

const MAX_TEXT = 1024;

/**
 * A dispatch handler for one POST: no response stream, no header object and no async resource
 * per request (undici's request() makes all three), and a 2xx body is dropped as it arrives.
 * Rejects with undici's error for transport failures and timeouts.
 */
class PostHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private retryAfter: string | undefined;
  private chunks: Buffer[] | undefined;
  private size = 0;

  constructor(
    private readonly resolve: (a: PostAnswer) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  onConnect(): void {}

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true;
    this.status = statusCode;
    if (statusCode >= 300) {
      this.chunks = [];
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        const name = rawHeaders[i]!;
        if (name.length === 11 && name.toString('latin1').toLowerCase() === 'retry-after')
          this.retryAfter = rawHeaders[i + 1]!.toString('latin1');
      }
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.chunks && this.size < MAX_TEXT) {
      this.chunks.push(chunk);
      this.size += chunk.length;
    }
    return true;
  }

  onComplete(): void {
    const text = this.chunks ? Buffer.concat(this.chunks).subarray(0, MAX_TEXT).toString('utf8') : '';
    this.resolve({ status: this.status, retryAfter: this.retryAfter, text });
  }

  onError(err: Error): void {
    this.reject(err);
  }
}

/**
 * POSTs `body` with `headers` through the dispatcher (a keep-alive Pool). `timeoutMs` bounds the
 * wait for the response headers and each gap in the body (undici's own timers).
 */
export function post(
  dispatcher: Dispatcher,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  timeoutMs: number,
): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch(
      { path, method: 'POST', headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs },
      new PostHandler(resolve, reject),
    );
  });
}

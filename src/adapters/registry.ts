/**
 * The formats overdracht converts from, by name: the CLI (`overdracht convert --from FORMAT`) and
 * the HTTP route (`POST /convert/{format}`) look adapters up here. A registry is an object the
 * composition root creates, not a module-level singleton, so tests can build their own.
 */
import type { Adapter, BatchResult, ConversionContext, InputFile, RunOptions } from './framework.js';
import { runAdapter, runAdapterFiles } from './framework.js';

/** An adapter with its input type hidden: what callers that only hold bytes need. */
export interface RegisteredAdapter {
  readonly format: string;
  readonly describe: string;
  readonly mediaTypes: readonly string[];
  run(bytes: Uint8Array, ctx: ConversionContext, options?: RunOptions): BatchResult;
  /** Present when the format's input is a set of files (`overdracht convert` passes a directory whole). */
  runFiles?(files: readonly InputFile[], ctx: ConversionContext, options?: RunOptions): BatchResult;
}

export class AdapterRegistry {
  private readonly byFormat = new Map<string, RegisteredAdapter>();

  register<Input>(adapter: Adapter<Input>): this {
    const key = adapter.format.toLowerCase();
    if (this.byFormat.has(key))
      throw new Error(`An adapter for format '${adapter.format}' is already registered`);
    this.byFormat.set(key, {
      format: adapter.format,
      describe: adapter.describe,
      mediaTypes: adapter.mediaTypes,
      run: (bytes, ctx, options) => runAdapter(adapter, bytes, ctx, options),
      ...(adapter.parseFiles
        ? {
            runFiles: (files: readonly InputFile[], ctx: ConversionContext, options?: RunOptions) =>
              runAdapterFiles(adapter, files, ctx, options),
          }
        : {}),
    });
    return this;
  }

  /** Format names are matched case-insensitively (`HL7v2` and `hl7v2` are one format). */
  get(format: string): RegisteredAdapter | undefined {
    return this.byFormat.get(format.toLowerCase());
  }

  formats(): RegisteredAdapter[] {
    return [...this.byFormat.values()].sort((a, b) => a.format.localeCompare(b.format));
  }
}

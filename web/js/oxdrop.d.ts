// Type declarations of oxdrop's public browser module (web/js/oxdrop.js,
// published as the package built by `npm run pack:engine`). The reference
// in docs/embedding.md is written from this file.

/** Oxen's data types. */
export type DataType = 'text' | 'image' | 'video' | 'audio' | 'tabular' | 'binary' | 'dir';

/** Oxen's metadata, one field per data type (null when Oxen gives none). */
export type Metadata =
  | { text: { num_lines: number; num_chars: number } }
  | { image: { width: number; height: number; color_space?: string } }
  | { video: { num_seconds: number; width: number; height: number } }
  | { audio: { num_seconds: number; num_channels: number; sample_rate: number } }
  | { tabular: { width: number; height: number; schema: { hash: string; fields: { name: string; dtype: string; metadata: unknown; changes: unknown }[]; metadata: unknown } } };

/** One described file: Oxen's MetadataEntry file fields plus its path. */
export interface Described {
  /** The file's relative path (a dropped or picked folder's, else its name). */
  path: string;
  /** XXH3-128 of the bytes, 32 lowercase hex digits, as Oxen computes it. */
  hash: string;
  size: number;
  data_type: DataType;
  mime_type: string;
  extension: string;
  metadata: Metadata | null;
}

/** A file that could not be read, yielded by describe() in its place. */
export interface DescribeFailure {
  path: string;
  error: string;
}

/** A File, or a Blob with the path it gets in the repository. */
export type FileLike = File | { file: Blob; path?: string; hash?: string; size?: number };

export type Preview =
  | { kind: 'table'; columns: string[]; dtypes: string[]; rows: unknown[][] }
  | { kind: 'media'; data_type: 'image' | 'video' | 'audio'; mime_type: string }
  | { kind: 'text'; text: string; truncated: boolean }
  | { kind: 'bytes'; bytes: Uint8Array; truncated: boolean };

export interface Engine {
  /** Number of workers (Go instances). */
  readonly workers: number;
  /**
   * Describes files, yielding one result per file in the order given; a
   * file that cannot be read yields {path, error}. Breaking out of the loop
   * or aborting the signal cancels the rest.
   */
  describe(
    files: FileList | Iterable<FileLike>,
    opts?: { signal?: AbortSignal; onProgress?: (p: { path: string; done: number; total: number }) => void },
  ): AsyncGenerator<Described | DescribeFailure, void, undefined>;
  /** Describes one file; rejects when it cannot be read. */
  describeFile(file: Blob, opts?: { path?: string; signal?: AbortSignal; onProgress?: (done: number, total: number) => void }): Promise<Described>;
  /** What a preview shows of a file, read on this device. */
  preview(file: Blob, opts?: { path?: string; maxRows?: number; info?: Described; signal?: AbortSignal }): Promise<Preview>;
  /** The head of a tabular file, or null when it is not tabular. */
  previewTable(file: Blob, opts?: { path?: string; maxRows?: number; signal?: AbortSignal }): Promise<{ columns: string[]; dtypes: string[]; rows: unknown[][] } | null>;
  /** null when path is a valid file path in a repository, else the server's message. Synchronous. */
  validatePath(path: string): string | null;
  /** The rules between paths too (duplicates, a file that is also a folder, normalisation twins): one message per added path, '' when valid. */
  checkPaths(added: Iterable<string>, listed?: Iterable<string>): Promise<string[]>;
  /** '' when name is a valid namespace or repository name, else the message. */
  validateName(name: string): Promise<string>;
  /** '' when name and email are a valid commit author, else the message. */
  validateAuthor(name: string, email: string): Promise<string>;
  /** Diagnostics: each worker's wasm memory, what handing files over cost the page. */
  stats(): Promise<{ memory: { wasmBytes: number }[]; handOver: { files: number; messages: number; ms: number; longestMs: number } }>;
  /** Stops every running description (their promises reject with an AbortError). */
  cancelAll(): void;
  /** Stops the workers; the engine cannot be used afterwards. */
  close(): void;
}

/** Starts the engine; resolves once its first worker takes work. */
export function createEngine(opts?: { workers?: number; chunkSize?: number }): Promise<Engine>;

/** null when path is a valid file path in a repository, else the server's message. */
export function validatePath(path: string): string | null;

/** The path a File carries: its relative path in a picked or dropped folder, else its name. */
export function filePath(file: File): string;

export interface CreateProgress {
  phase: 'hashing' | 'uploading';
  /** files hashed, or bytes sent */
  loaded: number;
  total: number;
  /** bytes a resumed upload's server already had */
  skipped?: number;
}

export interface UploadControl {
  pause(): boolean;
  resume(): void;
  readonly paused: boolean;
}

export interface CreateRepositoryOptions {
  namespace: string;
  name: string;
  description?: string;
  author?: { name?: string; email?: string };
  /** Sent as Authorization: Bearer when the server requires a token. */
  token?: string;
  onProgress?: (p: CreateProgress) => void;
  /** Cancels; a resumable upload is deleted on the server, which frees the name. */
  signal?: AbortSignal;
  /** An engine to hash files that come without a hash (else one is started and closed). */
  engine?: Engine;
  /** 'auto' (default): resumable where the server offers it, else one multipart request. */
  mode?: 'auto' | 'resumable' | 'single';
  /** Finer steps of the upload. */
  hooks?: {
    onPhase?: (phase: 'hashing' | 'limits' | 'planning' | 'sending' | 'committing' | 'single') => void;
    onPlan?: (plan: { id: string; resumed: boolean; sending: Set<string>; bytes: number; present: { files: number; bytes: number } }) => void;
    onBlob?: (hash: string, state: 'waiting' | 'sending' | 'sent', loaded: number, size: number) => void;
    onWait?: (wait: { until: number; error: Error } | null) => void;
  };
  /** Receives the controls of a resumable upload once it starts. */
  onUpload?: (control: UploadControl) => void;
  /** Keep planned uploads in localStorage so a reload can resume them (default false). */
  rememberUploads?: boolean;
  /** GET /api/limits's answer when the caller has it (null: the server gives none); not fetched again. */
  limits?: { maxBodyBytes: number; maxFileBytes: number; maxFiles: number } | null;
}

/** The server's answer to a creation (see the API's RepositoryCreationResponse). */
export interface CreatedRepository {
  status: 'success';
  status_message: 'resource_created';
  repository: { namespace: string; name: string; latest_commit: { id: string; message: string; author: string; email: string; timestamp: string } | null; [k: string]: unknown };
  metadata_entries: Array<Record<string, unknown>>;
  [k: string]: unknown;
}

export class CreateRepositoryError extends Error {
  kind: 'http' | 'network' | 'cancelled' | 'invalid' | 'too_large';
  /** The HTTP status for 'http' (and 413 for 'too_large'), else 0. */
  status: number;
  body: any;
  text: string;
  /** The step of a resumable upload that failed: 'plan', 'blob' or 'commit'. */
  where: string;
  /** The file concerned, when one is. */
  path: string;
}

/** Creates a repository with one commit from files; resolves to the server's answer. */
export function createRepository(serverUrl: string, files: FileList | Iterable<FileLike>, opts: CreateRepositoryOptions): Promise<CreatedRepository>;

// Bacalhau v1.9.3 models as they travel on the wire (see the README's wire notes): PascalCase
// fields, some enums as strings and some as integers, Go nil slices and maps as null, nanosecond times.

/** Job states travel as strings. */
export type JobStateType = 'Undefined' | 'Pending' | 'Queued' | 'Running' | 'Completed' | 'Failed' | 'Stopped'
export const TERMINAL_JOB_STATES: ReadonlySet<JobStateType> = new Set(['Completed', 'Failed', 'Stopped'])

/** Execution states travel as integers; this maps their names to the numbers. */
export const ExecutionState = {
  Undefined: 0,
  New: 1,
  AskForBid: 2,
  AskForBidAccepted: 3,
  AskForBidRejected: 4,
  BidAccepted: 5,
  Running: 6,
  Publishing: 7,
  BidRejected: 8,
  Completed: 9,
  Failed: 10,
  Cancelled: 11
} as const
export type ExecutionStateType = typeof ExecutionState[keyof typeof ExecutionState]
export type ExecutionStateName = keyof typeof ExecutionState
export const TERMINAL_EXECUTION_STATES: ReadonlySet<ExecutionStateType> = new Set([4, 8, 9, 10, 11])

export function executionStateName (state: number): ExecutionStateName | `Unknown(${number})` {
  const entry = Object.entries(ExecutionState).find(([, value]) => value === state)
  return entry === undefined ? `Unknown(${state})` : entry[0] as ExecutionStateName
}

export const ExecutionDesiredState = { Pending: 0, Running: 1, Stopped: 2 } as const
export type ExecutionDesiredStateType = typeof ExecutionDesiredState[keyof typeof ExecutionDesiredState]

export type JobHistoryType = 'Undefined' | 'JobLevel' | 'ExecutionLevel'
export type NetworkType = 'Default' | 'None' | 'Host' | 'Full' | 'HTTP' | 'Bridge'
export type NodeType = 'Requester' | 'Compute'

// Engines, publishers and input sources: `{ Type, Params }`, discriminated on Type.
export interface WasmEngine {
  Type: 'wasm'
  Params: {
    /** Must equal the Target of one of the task's InputSources. */
    EntryModule: string
    Entrypoint?: string
    /** argv after the module name. */
    Parameters?: string[]
    ImportModules?: string[]
  }
}
export interface DockerEngine {
  Type: 'docker'
  Params: {
    Image: string
    Entrypoint?: string[] | null
    Parameters?: string[] | null
    EnvironmentVariables?: string[] | null
    WorkingDirectory?: string
  }
}
export type Engine = WasmEngine | DockerEngine

export type Publisher =
  | { Type: 'noop', Params?: Record<string, unknown> | null }
  | { Type: 'local', Params?: Record<string, unknown> | null }
  | { Type: 'ipfs', Params?: Record<string, unknown> | null }
  | { Type: 's3', Params: { Bucket: string, Key?: string, Region?: string, Endpoint?: string } }

export type Source =
  | { Type: 'urlDownload', Params: { URL: string } }
  | { Type: 'inline', Params: { URL: string } }
  | { Type: 'ipfs', Params: { CID: string } }
  | { Type: 's3', Params: { Bucket: string, Key?: string, Region?: string, Endpoint?: string } }
  | { Type: 'local', Params: { SourcePath: string, ReadWrite?: boolean } }

/** A published result: where to fetch a job's outputs. */
export type PublishedResult =
  | { Type: 'urlDownload', Params: { URL: string } }
  | { Type: 'ipfs', Params: { CID: string } }
  | { Type: 's3', Params: Record<string, unknown> }

export interface InputSource {
  Source: Source
  Alias?: string
  Target: string
}

export interface ResultPath {
  Name: string
  Path: string
}

export interface Task {
  Name: string
  Engine: Engine
  Publisher?: Publisher
  Env?: Record<string, string> | null
  Meta?: Record<string, string> | null
  InputSources?: InputSource[] | null
  ResultPaths?: ResultPath[] | null
  Resources?: { CPU?: string, Memory?: string, Disk?: string, GPU?: string } | null
  Network?: { Type: NetworkType, Domains?: string[] | null } | null
  Timeouts?: { ExecutionTimeout?: number, QueueTimeout?: number, TotalTimeout?: number } | null
}

export interface State<T> {
  StateType: T
  Message?: string
  Details?: Record<string, string> | null
}

export interface Job {
  ID?: string
  Name: string
  Namespace?: string
  Type: 'batch' | 'ops' | 'daemon' | 'service'
  Priority?: number
  Count?: number
  Constraints?: unknown[] | null
  Meta?: Record<string, string> | null
  Labels?: Record<string, string> | null
  Tasks: Task[]
  State?: State<JobStateType>
  Version?: number
  Revision?: number
  /** Unix nanoseconds. */
  CreateTime?: bigint
  ModifyTime?: bigint
}

export interface RunCommandResult {
  Stdout: string
  StdoutTruncated: boolean
  /** Lowercase on the wire, unlike every other field. */
  stderr: string
  StderrTruncated: boolean
  ExitCode: number
  ErrorMsg: string
}

export interface Execution {
  ID: string
  Namespace: string
  EvalID: string
  Name: string
  NodeID: string
  JobID: string
  JobVersion?: number
  Job?: Job | null
  PartitionIndex?: number
  AllocatedResources?: { Tasks: Record<string, unknown> | null } | null
  DesiredState: State<ExecutionDesiredStateType>
  ComputeState: State<ExecutionStateType>
  PublishedResult?: PublishedResult | { Type: ''; Params?: null } | null
  RunOutput?: RunCommandResult | null
  PreviousExecution?: string
  NextExecution?: string
  FollowupEvalID?: string
  Revision: number
  CreateTime: bigint
  ModifyTime: bigint
}

/**
 * One history entry. Bacalhau v1.9.3 sends no JobState/ExecutionState (the spec lists them): a job's new
 * state is in Event.Details.NewState of a "State Update" event; times are RFC 3339 strings.
 */
export interface JobHistory {
  SeqNum?: number
  Type: JobHistoryType
  JobID: string
  JobVersion?: number
  ExecutionID?: string
  Event: { Message: string, Topic?: string, Timestamp?: string, Details?: Record<string, string> | null }
  Time: string
}

export interface BuildVersionInfo {
  Major: string
  Minor: string
  GitVersion: string
  GitCommit: string
  BuildDate: string
  GOOS: string
  GOARCH: string
}

/** A node's resources: CPU in cores, Memory and Disk in bytes (zero fields are left out). */
export interface Resources { CPU?: number, Memory?: number, Disk?: number, GPU?: number }

export interface NodeInfo {
  NodeID: string
  NodeType: NodeType
  Labels: Record<string, string> | null
  SupportedProtocols: string[] | null
  ComputeNodeInfo?: {
    ExecutionEngines: string[] | null
    Publishers: string[] | null
    StorageSources: string[] | null
    MaxCapacity: Resources
    QueueCapacity: Resources
    AvailableCapacity: Resources
    MaxJobRequirements: Resources
    RunningExecutions: number
    EnqueuedExecutions: number
    /** Lowercase on the wire. */
    address: string
  }
  BacalhauVersion: BuildVersionInfo
}

export interface NodeState {
  Info: NodeInfo
  Membership: 'PENDING' | 'APPROVED' | 'REJECTED'
  /** Deprecated by Bacalhau in favour of ConnectionState.Status, still sent. */
  Connection: 'CONNECTED' | 'DISCONNECTED'
  ConnectionState: {
    Status: 'CONNECTED' | 'DISCONNECTED'
    LastHeartbeat: string
    ConnectedSince: string
    DisconnectedSince: string
    LastError?: string
  }
}

// Request and response bodies (apimodels).
export interface PutJobRequest { Job: Job, Force?: boolean }
export interface PutJobResponse { JobID: string, EvaluationID: string, Warnings: string[] | null }
export interface GetJobResponse {
  Job: Job
  History?: { Items: JobHistory[] | null, NextToken?: string } | null
  Executions?: { Items: Execution[] | null, NextToken?: string } | null
}
export interface ListResponse<T> { Items: T[] | null, NextToken: string }
export interface ListNodesResponse { Nodes: NodeState[] | null, NextToken: string }
export interface StopJobResponse { EvaluationID: string }
/** Type 1 stdout, 2 stderr; an error frame carries Type 0 and an empty Line. */
export interface ExecutionLogFrame { value?: { Type: 0 | 1 | 2, Line: string } | null, error?: string }

/** Bacalhau's error body. */
export interface ApiErrorBody {
  Status: number
  Message: string
  RequestID?: string
  Code?: string
  Component?: string
  Hint?: string
  Details?: Record<string, unknown> | null
}

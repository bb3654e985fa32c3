/** The registry match: see match-versions.ts. */
export { compareWithRegistry, REGISTRY_STATUS_ENROLLED } from './comparison';
export type { MatchDiffEntry, MatchDiffField, MatchOutcome, RegistryCandidate, RegistryComparison, SubmittedKeyFields } from './comparison';
export { matchProfileVersion, matchVersions } from './match-versions';
export type { MatchContext, RegistryMatchResult, VersionMatchOutcome } from './match-versions';

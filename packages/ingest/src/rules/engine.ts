/**
 * Collects findings per requirement. A rule reports only what is wrong (or why it could not be judged);
 * a requirement checked without findings becomes one `passed` result, so the report lists every requirement.
 */
import type { Level, Location, Result } from '../report/types.ts';

/** At most this many findings per requirement and document are listed; the rest are summed up in one line. */
const MAX_FINDINGS_PER_RULE = 50;

/**
 * Where a finding is, or how to work it out: a rule that may find thousands of the same problem passes a function,
 * so an element's XPath is computed only for the findings listed.
 */
type FindingLocation = Partial<Location> | (() => Partial<Location>);

export class RuleReporter {
  private readonly findings: Result[] = [];
  private extra = 0;
  private skippedReason: string | undefined;
  constructor(
    readonly id: string,
    readonly level: Level,
    private readonly file: string,
  ) {}

  /** The requirement is not met: failed for MUST, warning for SHOULD and MAY. */
  violation(message: string, location?: FindingLocation): void {
    this.add(this.level === 'MUST' ? 'failed' : 'warning', message, location);
  }
  /** A hard failure even under a SHOULD/MAY requirement (e.g. a MAY element present with a value outside its vocabulary). */
  fail(message: string, location?: FindingLocation): void {
    this.add('failed', message, location);
  }
  warn(message: string, location?: FindingLocation): void {
    this.add('warning', message, location);
  }
  /** The requirement does not apply here or could not be judged. */
  skip(reason: string): void {
    this.skippedReason = reason;
  }

  private add(status: 'failed' | 'warning', message: string, location?: FindingLocation): void {
    if (this.findings.length >= MAX_FINDINGS_PER_RULE) {
      this.extra++;
      return;
    }
    this.findings.push({
      id: this.id,
      level: this.level,
      status,
      message,
      location: { file: this.file, ...(typeof location === 'function' ? location() : location) },
    });
  }

  results(passMessage: string): Result[] {
    if (this.findings.length > 0) {
      const out = [...this.findings];
      if (this.extra > 0) {
        const worst = out.some((r) => r.status === 'failed') ? 'failed' : 'warning';
        out.push({ id: this.id, level: this.level, status: worst, message: `and ${this.extra} more findings like the above`, location: { file: this.file } });
      }
      return out;
    }
    if (this.skippedReason !== undefined) {
      return [{ id: this.id, level: this.level, status: 'skipped', message: this.skippedReason, location: { file: this.file } }];
    }
    return [{ id: this.id, level: this.level, status: 'passed', message: passMessage, location: { file: this.file } }];
  }
}

export interface Rule<C> {
  id: string;
  /** What the requirement demands, in one line; used as the message of a passed result. */
  text: string;
  /** Level when the profile XML does not list the ID (CSIPSTR, FGS12, BEVARA). */
  level?: Level;
  check(ctx: C, r: RuleReporter): void | Promise<void>;
}

export async function runRules<C>(
  rules: readonly Rule<C>[],
  ctx: C,
  file: string,
  levelOf: (id: string) => Level | undefined,
): Promise<Result[]> {
  const out: Result[] = [];
  for (const rule of rules) {
    const level = levelOf(rule.id) ?? rule.level;
    // A requirement absent from the profile of the detected version is not judged (e.g. CSIP86 exists only in 2.0.4).
    if (level === undefined) continue;
    const reporter = new RuleReporter(rule.id, level, file);
    await rule.check(ctx, reporter);
    out.push(...reporter.results(rule.text));
  }
  return out;
}

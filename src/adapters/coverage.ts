/**
 * Field coverage: the parser registers every populated source leaf (for HL7 v2 a subcomponent
 * of a component of a repetition of a field of a segment); the mapping marks what it used and
 * what it read but could not translate. Whatever is left is, by construction, the unmapped report:
 * a field can only leave the adapter in the output or in the report, never silently.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { unmappedIssue } from './framework.js';

export interface SourceLeaf {
  /** Unique key of the leaf within its record. */
  key: string;
  /**
   * Locations of the enclosing parts, outermost first, ending with the leaf's own location,
   * e.g. `['NK1[1]', 'NK1[1]-2', 'NK1[1]-2.1']`. Lets the report name a whole unmapped segment
   * or field once instead of every leaf in it.
   */
  path: readonly string[];
}

/** structural: read to interpret the record (the message type, a sequence number), declared in the spec. */
export type LeafState = 'mapped' | 'structural' | 'reported' | 'unmapped';

export interface CoverageStats {
  populated: number;
  mapped: number;
  structural: number;
  reported: number;
  unmapped: number;
}

export class CoverageTracker {
  private readonly leaves = new Map<string, SourceLeaf>();
  private readonly used = new Set<string>();
  private readonly reported = new Set<string>();
  private readonly structural = new Set<string>();

  /** Registered by the parser for every populated leaf. */
  populated(leaf: SourceLeaf): void {
    this.leaves.set(leaf.key, leaf);
  }

  /** The mapping put this leaf's value into the output. */
  use(key: string): void {
    if (this.leaves.has(key)) this.used.add(key);
  }

  /** The leaf is read for the structure of the record, as the mapping spec declares. */
  declareStructural(key: string): void {
    if (this.leaves.has(key)) this.structural.add(key);
  }

  /** The leaf is accounted for by an issue of its own (untranslatable value, bad record). */
  markReported(key: string): void {
    if (this.leaves.has(key)) this.reported.add(key);
  }

  state(key: string): LeafState | undefined {
    if (!this.leaves.has(key)) return undefined;
    if (this.used.has(key)) return 'mapped';
    if (this.structural.has(key)) return 'structural';
    if (this.reported.has(key)) return 'reported';
    return 'unmapped';
  }

  allLeaves(): SourceLeaf[] {
    return [...this.leaves.values()];
  }

  stats(): CoverageStats {
    const counts = { mapped: 0, structural: 0, reported: 0, unmapped: 0 };
    for (const key of this.leaves.keys()) counts[this.state(key) ?? 'unmapped']++;
    return { populated: this.leaves.size, ...counts };
  }

  /**
   * One information issue per unmapped part, named at the outermost level that is unmapped as
   * a whole (a segment no rule reads is one issue, not one per component).
   */
  unmappedIssues(describe: (location: string, depth: number) => string): OperationOutcomeIssue[] {
    const root = new Node('');
    for (const leaf of this.leaves.values()) {
      const open = this.state(leaf.key) === 'unmapped';
      let node = root;
      for (const part of collapse(leaf.path)) {
        node = node.child(part);
        node.addLeaf(open);
      }
    }
    const issues: OperationOutcomeIssue[] = [];
    const visit = (node: Node, depth: number): void => {
      for (const child of node.children.values()) {
        if (child.open > 0 && child.open === child.total) {
          issues.push(unmappedIssue({ location: child.location, message: describe(child.location, depth) }));
        } else if (child.open > 0) {
          visit(child, depth + 1);
        }
      }
    };
    visit(root, 0);
    return issues;
  }
}

/** Drops path parts that repeat the previous location (a field with one repetition). */
function collapse(path: readonly string[]): string[] {
  return path.filter((p, i) => i === 0 || p !== path[i - 1]);
}

class Node {
  readonly children = new Map<string, Node>();
  total = 0;
  open = 0;
  constructor(readonly location: string) {}

  child(location: string): Node {
    let c = this.children.get(location);
    if (!c) {
      c = new Node(location);
      this.children.set(location, c);
    }
    return c;
  }

  /** Counted on every node on the way down: each node knows its leaves and the open ones. */
  addLeaf(open: boolean): void {
    this.total++;
    if (open) this.open++;
  }
}

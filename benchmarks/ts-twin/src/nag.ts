// cdk-nag suppressions written as metadata, as Velocity's nag package does:
// no cdk-nag code is loaded at synth.
import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

export interface Rule {
  id: string;
  reason: string;
  /** Findings the rule is narrowed to; "regex:..." entries become {regex: "/.../g"}. */
  appliesTo?: string[];
}

export const regex = (pattern: string) => 'regex:' + pattern;

/** Records rules on the resource behind c, or on every resource under c when children is true. */
export function suppress(c: IConstruct, children: boolean, ...rules: Rule[]): void {
  for (const res of resources(c, children)) {
    const existing: unknown[] = res.getMetadata('cdk_nag')?.rules_to_suppress ?? [];
    for (const r of rules) {
      const entry: Record<string, unknown> = { id: r.id, reason: r.reason };
      if (r.appliesTo?.length) {
        entry.applies_to = r.appliesTo.map((a) => (a.startsWith('regex:') ? { regex: '/' + a.slice(6) + '/g' } : a));
      }
      existing.push(entry);
    }
    res.addMetadata('cdk_nag', { rules_to_suppress: existing });
  }
}

function resources(c: IConstruct, children: boolean): CfnResource[] {
  if (children) {
    return c.node.findAll().filter((n): n is CfnResource => CfnResource.isCfnResource(n));
  }
  if (CfnResource.isCfnResource(c)) return [c];
  const child = c.node.defaultChild;
  return child && CfnResource.isCfnResource(child) ? [child] : [];
}

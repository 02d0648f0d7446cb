/** The register as a tree: purposes under their parent, sorted by code; orphans (parent filtered out) at the root. */
export interface TreePurpose {
  code: string;
  parentCode: string | null;
}

export interface PurposeNode<P extends TreePurpose> {
  purpose: P;
  depth: number;
  children: PurposeNode<P>[];
}

export function buildPurposeTree<P extends TreePurpose>(purposes: readonly P[]): PurposeNode<P>[] {
  const nodes = new Map<string, PurposeNode<P>>();
  for (const purpose of purposes) nodes.set(purpose.code, { purpose, depth: 0, children: [] });
  const roots: PurposeNode<P>[] = [];
  for (const node of nodes.values()) {
    const parent = node.purpose.parentCode ? nodes.get(node.purpose.parentCode) : undefined;
    (parent && parent !== node ? parent.children : roots).push(node);
  }
  const byCode = (a: PurposeNode<P>, b: PurposeNode<P>) => a.purpose.code.localeCompare(b.purpose.code);
  const visit = (list: PurposeNode<P>[], depth: number, seen: Set<string>) => {
    list.sort(byCode);
    for (const node of list) {
      node.depth = depth;
      // A cycle cannot come from the service; guard anyway so a bad answer cannot hang the page.
      if (seen.has(node.purpose.code)) node.children = [];
      else visit(node.children, depth + 1, new Set(seen).add(node.purpose.code));
    }
  };
  visit(roots, 0, new Set());
  return roots;
}

/** Depth-first order, for a flat, keyboard-friendly list. */
export function flattenTree<P extends TreePurpose>(roots: PurposeNode<P>[]): PurposeNode<P>[] {
  return roots.flatMap((node) => [node, ...flattenTree(node.children)]);
}

/**
 * How a declared value is shown: the purpose's own, or its parent's marked as inherited. The
 * service answers the effective value and, in `inheritedFrom`, which fields came from which
 * ancestor (ADR 0028).
 */
export function provenanceOf(
  purpose: { inheritedFrom?: Record<string, string> },
  field: string,
): { inherited: false } | { inherited: true; from: string } {
  const from = purpose.inheritedFrom?.[field];
  return from ? { inherited: true, from } : { inherited: false };
}

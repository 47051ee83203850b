/**
 * Mermaid `stateDiagram-v2` text generated from a machine's own definition, so the docs'
 * pictures cannot drift from the machines (test/docs.test.ts compares them).
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';

interface ActionLike { type?: string; params?: { events?: string[]; reason?: string } }

function label(eventType: string, actions: readonly unknown[]): string {
  const notes: string[] = [];
  for (const action of actions as ActionLike[]) {
    if (action.type === 'missing') notes.push(`missing ${action.params!.events!.join(', ')}`);
    if (action.type === 'unexpected') notes.push('UNEXPECTED');
  }
  return notes.length === 0 ? eventType : `${eventType} / ${notes.join('; ')}`;
}

const nodeName = (node: AnyStateNode) => node.path.join('_');

function renderNode(node: AnyStateNode, indent: string, lines: string[]): void {
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length === 0) return;
  const initial = node.type === 'parallel' ? null : node.config.initial;
  if (initial !== undefined && initial !== null) lines.push(`${indent}[*] --> ${nodeName(node.states[initial as string]!)}`);
  children.forEach((child, i) => {
    if (child.type === 'compound' || child.type === 'parallel') {
      lines.push(`${indent}state ${child.key} {`);
      renderNode(child, `${indent}  `, lines);
      lines.push(`${indent}}`);
    } else if (nodeName(child) !== child.key) {
      lines.push(`${indent}state "${child.key}" as ${nodeName(child)}`);
    }
    for (const [eventType, transitions] of child.transitions) {
      for (const transition of transitions) {
        const targets = (transition.target ?? [child]) as AnyStateNode[];
        for (const target of targets) lines.push(`${indent}${nodeName(child)} --> ${nodeName(target)} : ${label(eventType, transition.actions)}`);
      }
    }
    if (node.type === 'parallel' && i < children.length - 1) lines.push(`${indent}--`);
  });
}

/** The machine as a Mermaid state diagram; recovery edges say what they imply was missing. */
export function machineToMermaid(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2'];
  if (machine.root.type === 'parallel') {
    lines.push(`  state ${machine.id} {`);
    renderNode(machine.root, '    ', lines);
    lines.push('  }');
  } else {
    renderNode(machine.root, '  ', lines);
  }
  return lines.join('\n');
}

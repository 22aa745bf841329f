// Serialization: js-yaml with the builders' insertion order (stable: the same config always gives the same
// bytes), no anchors/aliases, long strings kept on one line, a header comment.
import { dump } from 'js-yaml';

export function toYaml(doc: object, header?: string): string {
  const body = dump(doc, { noRefs: true, lineWidth: -1, sortKeys: false, quoteStyle: 'single' });
  const head = header
    ? header
        .split('\n')
        .map((l) => (l ? `# ${l}` : '#'))
        .join('\n') + '\n'
    : '';
  return head + body;
}

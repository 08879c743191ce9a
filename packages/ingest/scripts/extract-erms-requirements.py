#!/usr/bin/env python3
"""
Extracts the requirement tables of CITS ERMS 2.1.0 and 3.0.0 (the specification texts in
/work/shared/reference/specs/CITS-ERMS-*.txt) into packages/ingest/src/rules/erms-requirements.ts:
for each ERMS<n>, the path it names, its cardinality and its level. Run it again when a text changes:
  python3 packages/ingest/scripts/extract-erms-requirements.py > packages/ingest/src/rules/erms-requirements.ts
Paths are the specification's, with typographic quotes made plain, page breaks removed, and the few spelling slips
of the texts corrected (TYPO below, each named). A path that names no element or attribute (a sentence in the
path column, 'disposal/disposal Scheduled') is left out and listed at the end of the table as not machine-checkable.
"""
import json, re, sys

SPECS = '/work/shared/reference/specs/'
# Spelling slips in the specification texts, corrected to the names the official schemas use.
TYPO = {
    'agent[agentType=': 'agent[@agentType=',
    '@agenttype=': '@agentType=',
    '@agenTtype=': '@agentType=',
    'record/Relation/': 'record/relation/',
    '”main_signatory]': '”main_signatory”]',
    # ERMS21-23 leave out the maintenanceEvent step the schema (and ERMS20) puts between history and event.
    'maintenanceHistory/eventDateTime': 'maintenanceHistory/maintenanceEvent/eventDateTime',
    'maintenanceHistory/agent': 'maintenanceHistory/maintenanceEvent/agent',
    'maintenanceHistory/eventType': 'maintenanceHistory/maintenanceEvent/eventType',
}
FOOTER = re.compile(r'^\s*(_{10,}|\d{4}-\d\d-\d\d\s+Version|CITS ERMS\s+DILCIS)')

def extract(fn):
    lines = [l for l in open(SPECS + fn, encoding='utf-8').read().split('\n') if not FOOTER.match(l)]
    out, skipped = [], []
    for i, l in enumerate(lines):
        m = re.match(r'^ (ERMS\d+)\s+(.*?)\s+(\d+\.\.[\dn]+|\d+)\s*$', l)
        if not m:
            continue
        rid, name, card = m.groups()
        level, path = None, ''
        j = i + 1
        # the level may stand alone on a line before a page break, the path following it
        while j < len(lines) and j < i + 8:
            cells = re.split(r'\s{2,}', lines[j].strip())
            if cells == ['']:
                j += 1
                continue
            if cells[-1] in ('MUST', 'SHOULD', 'MAY'):
                level = cells[-1]
                cells = cells[:-1]
            if cells:
                path = cells[0]
                break
            j += 1
        # a path wrapped at the column's edge continues on the very next line, as one token
        k = j + 1
        while path and k < len(lines) and re.fullmatch(r'[A-Za-z@/\[\]=”"_-]+', lines[k].strip() or ' '):
            cont = re.split(r'\s{2,}', lines[k].strip())
            if cont[-1] in ('MUST', 'SHOULD', 'MAY'):
                level = level or cont[-1]
                cont = cont[:-1]
            path += ''.join(cont)
            k += 1
        for a, b in TYPO.items():
            path = path.replace(a, b)
        path = path.replace('”', '"').rstrip('/')
        lo, _, hi = card.partition('..')
        if not path or not re.fullmatch(r'[A-Za-z@/\[\]="_-]+', path) or level is None:
            skipped.append({'id': rid, 'name': name, 'path': path, 'level': level})
            continue
        # '@a="v"' as the last step means: an element whose attribute a is v (ERMS142 'date/@dateType="last_reviewed"').
        vm = re.match(r'^(.*)/@(\w+)="([^"]*)"$', path)
        if vm:
            path = f'{vm.group(1)}[@{vm.group(2)}="{vm.group(3)}"]'
        out.append({'id': rid, 'name': name, 'path': path, 'min': int(lo), 'max': None if (hi or lo) == 'n' else int(hi or lo), 'level': level})
    return out, skipped

def main():
    w = sys.stdout.write
    w('/**\n * CITS ERMS requirement tables, extracted from the specification texts by\n')
    w(' * packages/ingest/scripts/extract-erms-requirements.py (do not edit by hand). Each requirement names a path,\n')
    w(' * a cardinality within its parent and a level; erms-rules.ts checks them. `unchecked` lists requirements whose\n')
    w(' * path column holds no element or attribute path, so no machine check follows from them.\n */\n')
    w("import type { Level } from '../report/types.ts';\n\n")
    w('export interface ErmsRequirement { id: string; name: string; path: string; min: number; max: number | null; level: Level }\n\n')
    for ver, fn in (('2.1', 'CITS-ERMS-2.1.0.txt'), ('3.0', 'CITS-ERMS-3.0.0.txt')):
        reqs, skipped = extract(fn)
        const = 'ERMS_V' + ver.replace('.', '_')
        w(f'export const {const}: readonly ErmsRequirement[] = [\n')
        for r in reqs:
            w('  ' + json.dumps(r, ensure_ascii=False).replace('"id":', 'id:').replace('"name":', 'name:').replace('"path":', 'path:').replace('"min":', 'min:').replace('"max":', 'max:').replace('"level":', 'level:') + ',\n')
        w('];\n\n')
        w(f'export const {const}_UNCHECKED: readonly {{ id: string; reason: string }}[] = [\n')
        for s in skipped:
            w('  ' + json.dumps({'id': s['id'], 'reason': f"path column reads {s['path']!r}" + ('' if s['level'] else ' and states no level') + ', not an element or attribute path with a level'}, ensure_ascii=False).replace('"id":', 'id:').replace('"reason":', 'reason:') + ',\n')
        w('];\n\n')

main()

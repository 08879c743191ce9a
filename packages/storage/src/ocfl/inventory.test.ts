import { describe, expect, it } from 'vitest';
import { isBevaraError } from '../errors.ts';
import { type Inventory, inventoryProblems, isSafeRelativePath, parseInventory, parseSidecar, serializeInventory, sidecarFor, versionState } from './inventory.ts';
import { objectRootFor, objectRootOfInventoryKey } from './layout.ts';

const D1 = 'a'.repeat(64);
const D2 = 'b'.repeat(64);

function inventory(): Inventory {
  return {
    id: 'urn:uuid:1',
    type: 'https://ocfl.io/1.1/spec/#inventory',
    digestAlgorithm: 'sha256',
    head: 'v2',
    contentDirectory: 'content',
    manifest: { [D1]: ['v1/content/a.txt'], [D2]: ['v2/content/b.txt'] },
    versions: {
      v1: { created: '2026-01-01T00:00:00Z', state: { [D1]: ['a.txt'] } },
      v2: { created: '2026-01-02T00:00:00Z', state: { [D1]: ['a.txt'], [D2]: ['b.txt'] } },
    },
  };
}

describe('OCFL inventory', () => {
  it('serialises with sorted keys, so the same inventory always has the same bytes (and signature)', () => {
    const a = inventory();
    const b = JSON.parse(JSON.stringify({ versions: a.versions, manifest: a.manifest, head: a.head, id: a.id, type: a.type, digestAlgorithm: a.digestAlgorithm, contentDirectory: 'content' })) as Inventory;
    expect(serializeInventory(b).equals(serializeInventory(a))).toBe(true);
    const text = serializeInventory(a).toString('utf8');
    expect(text.indexOf('"contentDirectory"')).toBeLessThan(text.indexOf('"digestAlgorithm"'));
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('writes a sidecar that sha256sum -c would accept and reads it back', () => {
    const bytes = serializeInventory(inventory());
    const sidecar = sidecarFor('sha256', bytes).toString('utf8');
    expect(sidecar).toMatch(/^[0-9a-f]{64}  inventory\.json\n$/);
    expect(parseSidecar(Buffer.from(sidecar))).toBe(sidecar.slice(0, 64));
    expect(() => parseSidecar(Buffer.from('nonsense'))).toThrow(/malformed/);
  });

  it('accepts a valid inventory and names the OCFL rule each defect breaks', () => {
    expect(inventoryProblems(inventory())).toEqual([]);
    const cases: [string, (i: Record<string, any>) => void, string][] = [
      ['no id', (i) => delete i.id, 'E036'],
      ['wrong type', (i) => (i.type = 'x'), 'E038'],
      ['md5', (i) => (i.digestAlgorithm = 'md5'), 'E025'],
      ['padded version', (i) => { i.versions.v01 = i.versions.v1; delete i.versions.v1; }, 'E104'],
      ['gap', (i) => { i.versions.v3 = i.versions.v2; delete i.versions.v2; i.head = 'v3'; }, 'E010'],
      ['head not last', (i) => (i.head = 'v1'), 'E040'],
      ['upper-case digest', (i) => { i.manifest[D1.toUpperCase()] = ['v1/content/c.txt']; }, 'E096'],
      ['content path escapes', (i) => { i.manifest[D2] = ['../b.txt']; }, 'E099'],
      ['content path twice', (i) => { i.manifest[D2] = ['v1/content/a.txt']; }, 'E101'],
      ['state digest not in manifest', (i) => { i.versions.v2.state['c'.repeat(64)] = ['c.txt']; }, 'E050'],
      ['logical path escapes', (i) => { i.versions.v2.state[D2] = ['/b.txt']; }, 'E053'],
    ];
    for (const [name, damage, code] of cases) {
      const raw = JSON.parse(JSON.stringify(inventory())) as Record<string, any>;
      damage(raw);
      expect(inventoryProblems(raw).join('; '), name).toContain(`(${code})`);
    }
  });

  it('refuses JSON that is not an inventory with S-011, naming where', () => {
    for (const bytes of ['{', '[]', '{"id":"x"}']) {
      let thrown: unknown;
      try {
        parseInventory(Buffer.from(bytes), 'obj/inventory.json');
      } catch (e) {
        thrown = e;
      }
      expect(isBevaraError(thrown, 'S-011'), bytes).toBe(true);
      expect((thrown as Error).message).toContain('obj/inventory.json');
    }
  });

  it('gives the logical state of any version', () => {
    expect([...versionState(inventory(), 'v1')]).toEqual([['a.txt', D1]]);
    expect([...versionState(inventory())].sort()).toEqual([['a.txt', D1], ['b.txt', D2]]);
    expect(() => versionState(inventory(), 'v3')).toThrow(/no version v3/);
  });
});

describe('storage layout 0004-hashed-n-tuple (sha256, 3 × 3)', () => {
  it('maps ids as the extension specification’s own examples do', () => {
    expect(objectRootFor('object-01')).toBe('3c0/ff4/240/3c0ff4240c1e116dba14c7627f2319b58aa3d77606d0d90dfc6161608ac987d4');
    expect(objectRootFor('..hor/rib:le-$id')).toBe('487/326/d8c/487326d8c2a3c0b885e23da1469b4d6671fd4e76978924b4443e9e3c316cda6d');
  });

  it('recognises only root inventories at their layout path', () => {
    const root = objectRootFor('object-01');
    expect(objectRootOfInventoryKey(`${root}/inventory.json`)).toBe(root);
    expect(objectRootOfInventoryKey(`${root}/v1/inventory.json`)).toBeNull();
    expect(objectRootOfInventoryKey(`000/ff4/240/${root.slice(12)}/inventory.json`)).toBeNull();
    expect(objectRootOfInventoryKey('extensions/bevara-archive/inventory.json')).toBeNull();
  });
});

describe('isSafeRelativePath', () => {
  it('takes relative paths whose segments are names, and nothing else', () => {
    for (const p of ['a', 'a/b', '.a/b..', 'a/.../b', 'a..b', 'representations/rep1/data/f.bin']) expect(isSafeRelativePath(p), p).toBe(true);
    for (const p of ['', '/a', 'a/', 'a//b', './a', 'a/./b', 'a/..', '..', '.', 'a/../b', 'a\\b', 'a\0b']) expect(isSafeRelativePath(p), JSON.stringify(p)).toBe(false);
  });
});

#!/usr/bin/env python3
"""Flattens spec-suite .json files into a line format that spec_mini.c reads
without a JSON library, so the engine can be checked on a cross-compiled host
(big-endian s390x, aarch64) under qemu-user. See run.sh.

Usage: flatten.py OUT DIR... (DIR: a suite folder such as wasm-spec/simd_lane)

Only what the simd_* files use is supported: anonymous modules, invoke
actions, assert_return/assert_trap, binary assert_invalid/assert_malformed
(text-format modules are skipped, as spec_run does). Other commands stop it,
unless FLATTEN_SKIP=1 is set (then they are skipped and counted: useful for a
rough look at other files). Lines:
  module FILE:LINE PATH
  invalid FILE:LINE PATH
  return|trap|do FILE:LINE FIELD_HEX NARGS ARG... NRESULTS RESULT...
(do: an action, which must succeed; its results are not checked)
Values: i32:xHEX (also i64, f32, f64; f32:c / f32:a for nan:canonical /
nan:arithmetic), v:LANEBYTES:KINDS:HEX32 for a v128 (KINDS: one of b, c, a
per lane; HEX32: the 16 bytes in WebAssembly order)."""
import json, os, sys

def enc(v):
    t = v['type']
    if t == 'v128':
        lb = {'i8': 1, 'i16': 2, 'i32': 4, 'i64': 8, 'f32': 4, 'f64': 8}[v['lane_type']]
        kinds, b = '', bytearray(16)
        for i, s in enumerate(v['value']):
            if s in ('nan:canonical', 'nan:arithmetic'):
                kinds += s[4]
                continue
            kinds += 'b'
            x = int(s) & ((1 << (8 * lb)) - 1)
            for k in range(lb):
                b[i * lb + k] = (x >> (8 * k)) & 0xff
        return 'v:%d:%s:%s' % (lb, kinds, b.hex())
    s = v['value']
    if s in ('nan:canonical', 'nan:arithmetic'):
        return '%s:%s' % (t, s[4])
    w = 32 if t in ('i32', 'f32') else 64
    return '%s:x%x' % (t, int(s) & ((1 << w) - 1))

def main():
    out = open(sys.argv[1], 'w')
    n = skipped = 0
    for d in sys.argv[2:]:
        name = os.path.basename(os.path.normpath(d))
        j = json.load(open(os.path.join(d, name + '.json')))
        for c in j['commands']:
            t, where = c['type'], '%s:%d' % (name, c['line'])
            if t == 'module' and 'name' not in c:
                out.write('module %s %s\n' % (where, os.path.join(d, c['filename'])))
            elif t in ('assert_invalid', 'assert_malformed'):
                if c.get('module_type') != 'binary':
                    continue
                out.write('invalid %s %s\n' % (where, os.path.join(d, c['filename'])))
            elif t in ('assert_return', 'assert_trap', 'action') and \
                    c['action']['type'] == 'invoke' and 'module' not in c['action'] and \
                    all(x['type'] not in ('funcref', 'externref')
                        for x in c['action']['args'] + c.get('expected', [])):
                a = c['action']
                exp = c.get('expected', []) if t == 'assert_return' else []
                out.write('%s %s %s %d %s %d %s\n' % (
                    {'assert_return': 'return', 'assert_trap': 'trap', 'action': 'do'}[t], where,
                    a['field'].encode().hex(), len(a['args']),
                    ' '.join(enc(x) for x in a['args']), len(exp), ' '.join(enc(x) for x in exp)))
            elif os.environ.get('FLATTEN_SKIP'):
                skipped += 1
                continue
            else:
                sys.exit('flatten.py: %s: unsupported command %s' % (where, t))
            n += 1
    print('%d commands' % n + (', %d unsupported skipped' % skipped if skipped else ''))

main()

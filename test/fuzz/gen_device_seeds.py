#!/usr/bin/env python3
"""gen_device_seeds.py - write the hand-made seeds of fuzz_device
(test/fuzz/fuzz_device.c documents the input) into test/fuzz/seeds-device.
Usage: test/fuzz/gen_device_seeds.py [dir]"""
import os, struct, sys

NET, BLK, CON, RNG = 0, 1, 2, 3
V2, PACKED, NOIRQ, NOORDER, NONCOH = 4, 8, 16, 32, 64
B = lambda n: 1 << n
VERSION_1, IND, EVT = B(32), B(28), B(29)

def seed(sel, num, feat, opts, regs, cfg, steps, ext=None):
    """ext: (DMA failure mask, clock byte, clock stream), the extended header"""
    cfg = bytes(cfg) + bytes(16 - len(cfg))
    if ext is None:
        hdr = bytes([opts, len(regs)])
    else:
        mask, clk, cs = ext
        hdr = bytes([opts, 0x80 | len(regs)]) + struct.pack('<HBB', mask, clk, len(cs)) + bytes(cs)
    return bytes([sel, num]) + struct.pack('<Q', feat) + hdr + bytes(regs) + cfg + bytes(steps)

def D(op, *x): return [1, op, *x]   # device step
def R(op, *x): return [0, op, *x]   # driver step
Z = lambda n: [0] * n               # handler bytes (0: a correct answer); also harmless steps

irq = D(0x05)
net_feat = VERSION_1 | B(5) | B(16) | B(15) | EVT | IND | B(0) | B(1)
mac = [0x52, 0x54, 0, 0x12, 0x34, 0x56, 1, 0]
net_steps = (R(0x78) + D(0x02) + Z(8 * 3) + irq + R(0x78) + R(0x02, 0x18) + R(0x02, 0x58) + D(0x12) + Z(4)
             + irq + R(0x78) + D(0x00) + Z(8) + D(0x03, 0, 0, 64) + irq + R(0x78) + R(0x04) + R(0x78)
             + D(0x07, 6, 0) + R(0x06) + D(0x08) + R(0x04) + R(0x78) + D(0x02) + Z(24) + irq + R(0x78))
blk_cfg = list(struct.pack('<QII', 4096, 0, 8))
blk_feat = VERSION_1 | B(9) | B(2) | IND | EVT
blk_steps = (R(0x00, 0, 1) + R(0x00, 1 | 8, 3) + R(0x00, 2 | 16, 0) + D(0x02) + Z(4) + irq + R(0x03)
             + R(0x00, 3, 2) + D(0x02, 1) + irq + R(0x05 | 8 * 2) + Z(4) + D(0x02) + Z(4) + irq
             + D(0x03, 0, 0, 1) + irq + R(0x04) + R(0x00, 4, 0) + D(0x08) + R(0x04) + R(0x03))
con_feat = VERSION_1 | B(2) | EVT
con_steps = (R(0x02 | 8 * 3) + D(0x12) + Z(4) + irq + D(0x02) + Z(8 * 2) + irq + R(0x00 | 8 * 10) + R(0x04)
             + R(0x06) + D(0x03, 0, 0, 20) + irq + R(0x00 | 8 * 10) + D(0x08) + R(0x04) + R(0x02 | 8 * 2)
             + D(0x12) + Z(4) + irq + R(0x04))
rng_steps = (R(0x02 | 4 * 4) + D(0x02) + Z(2) + irq + R(0x00 | 4 * 8) + Z(40) + R(0x02 | 4 * 2) + D(0x03, 0, 0, 9)
             + irq + D(0x08) + R(0x01 | 4 * 3) + Z(20) + R(0x03))

# DMA failures and the clock (the extended header; device steps 0x0c, 0x0d)
dmafail = lambda n: 1 << n
net_grow = (D(0x0c, 1, 0) + R(0x78) + D(0x0c, 1, 0) + R(0x78) + D(0x02) + Z(8 * 3) + irq + R(0x78) + D(0x0c, 2, 0) + R(0x78)
            + R(0x02, 0x18) + D(0x12) + Z(4) + irq + R(0x78))
blk_timeout = (R(0x00, 0, 1) + R(0x05 | 8 * 2) + Z(6) + D(0x0d, 0x85) + R(0x05 | 8 * 1) + Z(4) + D(0x02) + Z(4)
               + irq + R(0x03) + D(0x09, 3) + R(0x04))
rng_timeout = (R(0x00 | 4 * 8) + Z(6) + D(0x0d, 0x41) + R(0x00 | 4 * 4) + Z(40) + D(0x02) + Z(2) + irq + R(0x03))
con_timeout = (R(0x05 | 8 * 3) + Z(6) + D(0x12) + Z(4) + irq + R(0x04) + D(0x0d, 0xc2) + R(0x05 | 8 * 2) + Z(8))

seeds = {
    'net-v2': seed(NET | V2, 16, net_feat, 0x00, [], mac, net_steps),
    'net-v2-packed': seed(NET | V2 | PACKED, 16, net_feat, 0x00, [], mac, net_steps),
    'net-v1': seed(NET, 16, net_feat & 0xffffffff, 0x01, [], mac, net_steps),
    'net-v2-nomrg-poll': seed(NET | V2 | NOIRQ, 8, VERSION_1 | B(5), 0x16, [], mac, net_steps),
    'net-v2-fuzzregs': seed(NET | V2, 16, net_feat, 0x00, [5, 0x83, 20, 0xc0, 0xff, 0xff, 0, 0], mac, net_steps),
    'blk-v2': seed(BLK | V2, 16, blk_feat, 0, [], blk_cfg, blk_steps),
    'blk-v2-packed': seed(BLK | V2 | PACKED, 16, blk_feat, 0, [], blk_cfg, blk_steps),
    'blk-v1-noncoh': seed(BLK | NONCOH, 16, blk_feat & 0xffffffff, 0, [], blk_cfg, blk_steps),
    'con-v2': seed(CON | V2, 8, con_feat, 0x00, [], [], con_steps),
    'con-v2-packed': seed(CON | V2 | PACKED, 8, con_feat, 0x00, [], [], con_steps),
    'con-v1-poll': seed(CON, 8, con_feat & 0xffffffff, 0x01, [], [], con_steps),
    'rng-v2': seed(RNG | V2, 4, VERSION_1, 0x00, [], [], rng_steps),
    'rng-v2-packed': seed(RNG | V2 | PACKED, 4, VERSION_1, 0x00, [], [], rng_steps),
    'rng-v1-poll': seed(RNG | NOORDER, 4, 0, 0x01, [], [], rng_steps),
    # a DMA allocation of init refused: the first, a later one
    'net-v2-dmafail-0': seed(NET | V2, 16, net_feat, 0x00, [], mac, net_steps, (dmafail(0), 0, [])),
    'net-v2-dmafail-3': seed(NET | V2, 16, net_feat, 0x00, [], mac, net_steps, (dmafail(3), 0, [])),
    'net-v2-packed-dmafail-4': seed(NET | V2 | PACKED, 16, net_feat, 0x00, [], mac, net_steps, (dmafail(4), 0, [])),
    'blk-v2-dmafail-1': seed(BLK | V2, 16, blk_feat, 0, [], blk_cfg, blk_steps, (dmafail(1), 0, [])),
    'blk-v1-dmafail-2': seed(BLK, 16, blk_feat & 0xffffffff, 0, [], blk_cfg, blk_steps, (dmafail(2), 0, [])),
    'con-v2-dmafail-2': seed(CON | V2, 8, con_feat, 0x00, [], [], con_steps, (dmafail(2), 0, [])),
    'rng-v2-dmafail-1': seed(RNG | V2, 4, VERSION_1, 0x00, [], [], rng_steps, (dmafail(1), 0, [])),
    # net's RX pool grows after init (one buffer at first): its allocations refused
    'net-v2-grow-dmafail': seed(NET | V2, 16, net_feat, 0x08, [], mac, net_grow, (0, 0, [])),
    # the clock jumps: sync waits time out
    'blk-v2-timeout': seed(BLK | V2, 16, blk_feat, 0, [], blk_cfg, blk_timeout, (0, 0x81, [0x82] * 8)),
    'rng-v2-timeout': seed(RNG | V2, 4, VERSION_1, 0x00, [], [], rng_timeout, (0, 0x41, [5, 0x81, 0x83])),
    'con-v2-timeout': seed(CON | V2, 8, con_feat, 0x00, [], [], con_timeout, (0, 0x90, [0x81] * 4)),
}
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'seeds-device')
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)

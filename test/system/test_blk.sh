#!/usr/bin/env bash
# test_blk.sh - virtio-blk data integrity, proven on the host, on every
# ARCH and both transports, and on modern with packed virtqueues:
#  1. the firmware writes its LBA pattern over a whole raw image (requests of
#     many sectors, several in flight, the last sector included), flushes and
#     powers off; the host checks every byte;
#  2. a second boot reads an image of random bytes the host prepared and
#     prints a checksum; the host computes the same and compares;
#  3. a drive attached with readonly=on refuses a write cleanly and the
#     image is unchanged;
#  4. (one ARCH) a disk of 4096-byte logical blocks;
#  5. (one ARCH) the serial (GET_ID), DISCARD and WRITE_ZEROES through the
#     shell on a drive with discard=unmap and serial=VBARE0001.
. "$(dirname "$0")/lib.sh"

SECTORS=8199 # 4 MiB and 7 sectors: the last request is a short one
img=build/test-blk
mkdir -p "$img"
for arch in $ARCHES; do
    for mode in legacy modern packed; do
        mmio=$mode pk=
        [[ $mode == packed ]] && mmio=modern pk=--packed
        name="$arch $mode"
        disk=$img/$arch-$mode.img
        rm -f "$disk"
        truncate -s $((SECTORS * 512)) "$disk"
        log=$LOGDIR/blk-$arch-$mode-write.log
        boot "$log" 60 --arch "$arch" --mmio "$mmio" $pk --devices blk,rng --disk "$disk" --append "blk=write poweroff"
        ring=split
        [[ $mode == packed ]] && ring=packed
        expect_grep "$log" "^blk: virtio-blk at .*, $ring ring\$" "$name: $ring virtqueue"
        expect_grep "$log" "^blk: pattern write of $SECTORS sectors in [0-9]+ requests \\(up to [2-8] in flight\\): ok \\(0\\), flushed\$" "$name: firmware writes the pattern, several requests in flight, and flushes"
        expect_line "$log" "boot: powering off" "$name: QEMU exits after the write"
        if out=$(python3 tools/blk-image.py verify "$disk"); then pass "$name: host verifies every byte: $out"
        else fail "$name: $out"; fi

        # (the image must really change: a checksum of the pattern image
        # would match whatever the guest wrote before)
        before=$(sha256sum <"$disk")
        if ! python3 tools/blk-image.py random "$disk" "$SECTORS" || [[ $(sha256sum <"$disk") == "$before" ]]; then
            fail "$name: blk-image.py random did not make a new image"
        fi
        want=$(python3 tools/blk-image.py checksum "$disk") || fail "$name: blk-image.py checksum failed"
        log=$LOGDIR/blk-$arch-$mode-check.log
        boot "$log" 60 --arch "$arch" --mmio "$mmio" $pk --devices blk,rng --disk "$disk" --append "blk=check poweroff"
        expect_line "$log" "blk: checksum $want over $SECTORS sectors (ok, 0)" "$name: guest checksum of a host-made image matches"

        before=$(sha256sum <"$disk")
        log=$LOGDIR/blk-$arch-$mode-ro.log
        boot "$log" 60 --arch "$arch" --mmio "$mmio" $pk --devices blk,rng --disk "$disk" --disk-opts readonly=on \
            --append "blk=rowrite poweroff"
        expect_grep "$log" '^blk: virtio-blk at .* read-only, ' "$name: RO feature seen"
        expect_line "$log" "blk: write to sector 0 refused: read-only device (-30)" "$name: write to a read-only drive refused"
        [[ $(sha256sum <"$disk") == "$before" ]] && pass "$name: read-only image unchanged" || fail "$name: read-only image changed"
        expect_no_grep "$log" 'CRASH' "$name: no crash"
    done
done

# 4. A disk of 4096-byte logical blocks (QEMU fails a request that is not
#    whole blocks with IOERR): the firmware's requests stay whole blocks, and
#    the pattern write over the disk is intact on the host.  One ARCH.
arch=${ARCHES%% *} name="${ARCHES%% *} modern, 4096-byte blocks"
disk=$img/$arch-4k.img
rm -f "$disk"
truncate -s $((8192 * 512)) "$disk"
log=$LOGDIR/blk-$arch-4k-write.log
boot "$log" 60 --arch "$arch" --mmio modern --devices blk,rng --disk "$disk" \
    --blk-opts logical_block_size=4096,physical_block_size=4096 --append "blk=write poweroff"
expect_grep "$log" '^blk: virtio-blk at .*: 8192 sectors \(4 MiB\), block 4096, ' \
    "$name: block size read"
expect_grep "$log" "^blk: pattern write of 8192 sectors in [0-9]+ requests .*: ok \\(0\\), flushed\$" "$name: pattern written"
if out=$(python3 tools/blk-image.py verify "$disk"); then pass "$name: host verifies every byte: $out"
else fail "$name: $out"; fi
expect_no_grep "$log" 'CRASH' "$name: no crash"

# 5. The serial and the discard / write-zeroes commands, driven through the
#    shell: the boot names the serial and the limits QEMU offers; blk id
#    answers the serial; blk zero zeroes exactly its sectors of the host
#    image; blk discard is accepted and leaves every sector outside its
#    range alone (what a discarded sector then reads is the device's
#    business, 5.2.6.1: counted, not asserted); a range past the end is
#    refused in words.  One ARCH, modern.
arch=${ARCHES%% *} name="${ARCHES%% *} modern, serial, discard and write zeroes"
disk=$img/$arch-dwz.img
rm -f "$disk" "$disk.orig"
truncate -s $((SECTORS * 512)) "$disk"
python3 tools/blk-image.py random "$disk" "$SECTORS" || fail "$name: blk-image.py random failed"
cp "$disk" "$disk.orig"
log=$LOGDIR/blk-$arch-dwz.log
python3 tools/serial-drive.py "$log" \
    'wait:(?s)^shell: press Enter.*^irq: timer |^irq: timer .*^shell: press Enter' 'send:' 'wait:vbare> $' \
    'send:blk id' 'wait:vbare> $' \
    'send:blk zero 8 8' 'wait:vbare> $' \
    'send:blk discard 64 4096' 'wait:vbare> $' \
    "send:blk zero $((SECTORS - 1)) 2" 'wait:vbare> $' \
    -- timeout --kill-after=5 60 tools/qemu-run.sh --arch "$arch" --mmio modern --devices blk,rng \
    --disk "$disk" --disk-opts discard=unmap --blk-opts serial=VBARE0001 "build/$arch/firmware.elf"
(($? == 0)) && pass "$name: every step answered" || fail "$name: serial-drive stopped early (see $log)"
expect_line "$log" 'blk: serial "VBARE0001"' "$name: the boot names the serial"
expect_grep "$log" '^blk: discard up to [0-9]+ sectors a request, in units of [0-9]+; write zeroes up to [0-9]+ sectors a request' \
    "$name: the boot names the discard and write-zeroes limits"
expect_line "$log" 'blk: serial "VBARE0001" (0)' "$name: blk id"
expect_line "$log" 'blk: zeroing of sectors 8-15: ok (0)' "$name: blk zero"
expect_line "$log" 'blk: discard of sectors 64-4159: ok (0)' "$name: blk discard"
expect_line "$log" "blk: zeroing of sectors $((SECTORS - 1))-$SECTORS refused: past the end of the disk, whose last sector is $((SECTORS - 1)) (-22)" \
    "$name: a range past the end refused in words"
if out=$(python3 - "$disk.orig" "$disk" <<'PY'
import sys
a, b = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
S = 512
if len(a) != len(b):
    sys.exit("the image changed size: %d, was %d" % (len(b), len(a)))
bad, holes = [], 0
for s in range(len(a) // S):
    was, now = a[s * S:(s + 1) * S], b[s * S:(s + 1) * S]
    if 8 <= s < 16:
        if now != bytes(S):
            bad.append(s)
    elif 64 <= s < 4160:
        holes += now == bytes(S)
    elif now != was:
        bad.append(s)
if bad:
    sys.exit("sectors %s are not what they should be" % bad[:10])
print("sectors 8-15 zeroed, every sector outside the two ranges unchanged, %d of the 4096 discarded read as zeroes" % holes)
PY
); then pass "$name: host image: $out"; else fail "$name: host image: $out"; fi
expect_no_grep "$log" 'CRASH' "$name: no crash"
finish

#!/usr/bin/env bash
# test_blk.sh - virtio-blk data integrity, proven on the host, on every
# ARCH and both transports, and on modern with packed virtqueues:
#  1. the firmware writes its LBA pattern over a whole raw image (requests of
#     many sectors, several in flight, the last sector included), flushes and
#     powers off; the host checks every byte;
#  2. a second boot reads an image of random bytes the host prepared and
#     prints a checksum; the host computes the same and compares;
#  3. a drive attached with readonly=on refuses a write cleanly and the
#     image is unchanged.
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
finish

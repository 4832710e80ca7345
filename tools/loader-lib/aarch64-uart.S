/*
 * aarch64-uart.S - the pre-loaders' console (tools/vhe-loader,
 * tools/el1t-loader): putc (w0), puts (x0, a C string) and puthex (x0 as
 * 0x and 16 digits) on the PL011 at UART, which the including file sets
 * (.equ).  They use x0-x2 and x9-x15 only, no stack.
 */
putc:
    ldr     x9, =UART
1:  ldr     w10, [x9, #0x18]        // UARTFR
    tbnz    w10, #5, 1b             // TXFF
    str     w0, [x9]
    ret

puts:
    mov     x11, x30
    mov     x12, x0
1:  ldrb    w0, [x12], #1
    cbz     w0, 2f
    bl      putc
    b       1b
2:  ret     x11

puthex:                             // x0 as 0x and 16 digits
    mov     x13, x30
    mov     x14, x0
    mov     w0, #'0'
    bl      putc
    mov     w0, #'x'
    bl      putc
    mov     x15, #60
1:  lsr     x0, x14, x15
    and     x0, x0, #0xf
    cmp     x0, #10
    add     x1, x0, #'0'
    add     x2, x0, #('a' - 10)
    csel    x0, x1, x2, lo
    bl      putc
    subs    x15, x15, #4
    b.ge    1b
    ret     x13

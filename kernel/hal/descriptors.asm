; descriptors.asm - loading the GDT, IDT and task register: instructions C
; cannot express (a far return to reload CS).

section .text
bits 64

; VOID HalpLoadGdt(const VOID *Pointer, ULONG Code, ULONG Data, ULONG Tss)
global HalpLoadGdt
HalpLoadGdt:
    lgdt [rdi]
    mov ds, dx
    mov es, dx
    mov ss, dx
    xor eax, eax
    mov fs, ax
    mov gs, ax
    ltr cx
    ; reload CS: far-return to the next instruction with the new selector
    pop rax
    push rsi
    push rax
    retfq

; VOID HalpLoadIdt(const VOID *Pointer)
global HalpLoadIdt
HalpLoadIdt:
    lidt [rdi]
    ret

section .note.GNU-stack noalloc noexec nowrite progbits

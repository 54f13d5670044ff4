; callonstack.asm - KiCallOnStack(StackTop, Routine): continue on another
; stack. Used once at boot to leave the small .bss stack for a kernel stack
; with a guard page. The routine must not return: there is no frame to go back to.

section .text
bits 64

global KiCallOnStack
KiCallOnStack:
    mov rsp, rdi
    xor ebp, ebp                        ; backtraces stop here
    push 0                              ; a zero return address, for the same reason
    jmp rsi

section .note.GNU-stack noalloc noexec nowrite progbits

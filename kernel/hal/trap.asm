; trap.asm - the entry of every interrupt and exception.
;
; Each of the 256 vectors gets a small stub that makes the stack look the same
; whatever the CPU pushed: exceptions 8, 10-14, 17, 21, 29 and 30 push an error
; code, the others do not, so those stubs push a 0 in its place. Then the stub
; pushes its vector number and jumps to the common code, which saves the
; general registers to complete a KTRAP_FRAME (kernel/ke/ke.h) and calls
;   VOID KiDispatchTrap(PKTRAP_FRAME TrapFrame)
; On return the registers are restored and iretq resumes the interrupted code.

section .text
bits 64

extern KiDispatchTrap

%macro STUB 1
align 16
stub_%1:
%if (%1 == 8) || (%1 >= 10 && %1 <= 14) || (%1 == 17) || (%1 == 21) || (%1 == 29) || (%1 == 30)
%else
    push 0                              ; no error code from the CPU: make one
%endif
    push %1
    jmp trap_common
%endmacro

%assign v 0
%rep 256
STUB v
%assign v v + 1
%endrep

trap_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    cld
    mov rdi, rsp                        ; PKTRAP_FRAME
    ; Align the stack to 16 bytes for the C call, remembering the old value.
    mov rbx, rsp
    and rsp, -16
    call KiDispatchTrap
    mov rsp, rbx
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    pop rax
    add rsp, 16                         ; vector and error code
    iretq

section .rodata
global KiInterruptStubs
KiInterruptStubs:
%assign v 0
%rep 256
    dq stub_ %+ v
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits

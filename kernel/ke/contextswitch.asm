; contextswitch.asm - KiSwapContext(PVOID *OldKernelStack, PVOID NewKernelStack):
; stop running one thread and continue another.
;
; A thread is switched only by calling this function, from C, at
; DISPATCH_LEVEL (schedswitch.c). So whatever the old thread was doing is
; already on its stack, except what the C calling convention says a called
; function must give back unchanged: the callee-saved registers rbx, rbp,
; r12-r15, and rsp itself. The caller-saved ones (rax, rcx, rdx, rsi, rdi,
; r8-r11) the compiler already assumes are lost across any call. RFLAGS goes
; along too: its IF bit (interrupts on or off) belongs to the thread.
; There are no SSE or x87 registers to save: the kernel is compiled with
; -mgeneral-regs-only.
;
; So a switch is: push those registers on the old stack, store rsp in the old
; KTHREAD, load rsp from the new one, pop the new thread's registers, ret.
; The ret returns into the new thread's own call of KiSwapContext, and from
; its point of view the call just took a long time.
;
; A thread's saved stack, from its KernelStack upward:
;
;     KernelStack -> r15 r14 r13 r12 rbx rbp rflags  return-address  ...
;
; A new thread has never called KiSwapContext, so KeInitializeThread
; (thread.c) builds the same picture by hand on its fresh stack: zeros for
; the registers, rflags = 0x202 (IF set), and as the return address
; KiThreadStartup, whose own return address is 0 (the end of a backtrace).
; Its first switch-in "returns" there.

section .text
bits 64

global KiSwapContext
KiSwapContext:
    pushfq
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp                      ; the old thread's KernelStack
    mov rsp, rsi                        ; from here on: the new thread's stack
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    popfq
    ret

; The first instruction of every thread. The thread switching to it holds the
; dispatcher lock at DISPATCH_LEVEL; KiThreadStart (thread.c) completes the
; switch, lowers to PASSIVE_LEVEL and calls the start routine. The stack is as
; at a C function's entry (rsp + 8 aligned to 16), so a jmp will do.
extern KiThreadStart
global KiThreadStartup
KiThreadStartup:
    xor ebp, ebp                        ; backtraces end here
    jmp KiThreadStart

section .note.GNU-stack noalloc noexec nowrite progbits

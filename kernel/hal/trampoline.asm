; trampoline.asm - where an application processor (AP) starts: 16-bit real
; mode at physical 0x8000, to the kernel's 64-bit higher half.
;
; A CPU other than the boot CPU sits idle after reset, in "wait for SIPI".
; The boot CPU wakes it with INIT-SIPI-SIPI (mp.c); the startup IPI carries a
; vector VV, and the AP starts in REAL MODE at CS:IP = VV00:0000, that is at
; physical address VV * 4096. So its first code must lie in a page below
; 1 MiB: mp.c copies the bytes between HalpTrampolineStart and
; HalpTrampolineEnd to TRAMPOLINE_BASE (0x8000, vector 0x08), a page the
; frame allocator and our EFI loader both keep free.
;
; The AP then climbs the same ladder the boot CPU's loader climbed for it:
;   real mode  -> lgdt, CR0.PE               -> 32-bit protected mode
;   protected  -> CR4.PAE, CR3, EFER.LME|NXE, CR0.PG -> long mode (compat)
;   compat     -> far jump to a 64-bit code segment -> 64-bit mode
; and jumps to the C entry, on the stack mp.c gave it.
;
; The code runs at 0x8000, not where it was linked, so every address in it is
; written TRAMPOLINE_BASE + (label - HalpTrampolineStart). CR3 is the
; kernel's PML4 (below 4 GiB, so a 32-bit mov can load it); the kernel's
; tables map nothing low, so mp.c maps this one page at virtual 0x8000
; while APs start: the instruction after the write to CR0.PG is fetched
; through paging, at the same address as before.
;
; mp.c fills the parameter block at the end before each start (HALP_TRAMPOLINE_PARAMETERS).

TRAMPOLINE_BASE equ 0x8000
MSR_EFER        equ 0xC0000080
EFER_LME        equ 1 << 8
EFER_NXE        equ 1 << 11
CR0_PE          equ 1 << 0
CR0_WP          equ 1 << 16
CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5

%define ABS(label) (TRAMPOLINE_BASE + (label) - HalpTrampolineStart)

; The bytes are copied, never executed here: keep them out of .text.
section .rodata
align 16
global HalpTrampolineStart
global HalpTrampolineEnd
global HalpTrampolineParameters

bits 16
HalpTrampolineStart:
    cli
    cld
    xor ax, ax                          ; CS is 0x0800; address data from segment 0
    mov ds, ax
    mov byte [ABS(param_awake)], 1      ; "I am awake": no paging yet, a plain RAM write
    lgdt [ABS(gdt_pointer)]
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    jmp dword 0x08:ABS(protected32)     ; loads CS from the new GDT

bits 32
protected32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, [ABS(param_cr3)]
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME | EFER_NXE
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_WP             ; paging on: long mode is active
    mov cr0, eax
    jmp 0x18:ABS(long64)                ; a 64-bit code segment: 64-bit mode

bits 64
long64:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, [ABS(param_stack)]
    mov rdi, [ABS(param_argument)]
    mov rax, [ABS(param_entry)]
    xor ebp, ebp                        ; backtraces stop here
    push 0                              ; no return address
    jmp rax                             ; to the higher half: HalpApEntry(Argument)

align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF               ; 0x08: 32-bit code, 4 GiB
    dq 0x00CF92000000FFFF               ; 0x10: data, 4 GiB
    dq 0x00AF9A000000FFFF               ; 0x18: 64-bit code
gdt_pointer:
    dw gdt_pointer - gdt - 1
    dd ABS(gdt)

; HALP_TRAMPOLINE_PARAMETERS (mp.c), written by the boot CPU through the
; direct map before each SIPI.
align 8
HalpTrampolineParameters:
param_cr3:      dq 0                    ; the kernel's PML4, physical, below 4 GiB
param_stack:    dq 0                    ; the AP's kernel stack top
param_entry:    dq 0                    ; its first C function, higher half
param_argument: dq 0                    ; passed in rdi
param_awake:    dq 0                    ; set by the AP at its first instruction
HalpTrampolineEnd:

section .note.GNU-stack noalloc noexec nowrite progbits

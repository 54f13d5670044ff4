; entry.asm - from a boot loader's hand-off to the kernel's C entry.
;
; Three loaders can start the kernel, each in its own CPU state:
;   GRUB (multiboot2)  32-bit protected mode, paging off, eax = 0x36d76289,
;                      ebx = physical address of the multiboot2 information.
;   QEMU -kernel (PVH) 32-bit protected mode, paging off,
;                      ebx = physical address of the hvm_start_info.
;   boot/efi loader    64-bit long mode on the firmware's identity-mapped page
;                      tables, rdi = physical address of a filled BOOT_INFO.
; All three converge on the same state: our own page tables, our own GDT, a
; stack inside the kernel image, and a call to
;   KiSystemStartup(ULONG Magic, ULONG64 InfoPhysical)
; running at its higher-half address 0xffffffff80xxxxxx.
;
; Everything here lives in the low `.boot` section, whose virtual address equals
; its physical address, because it runs before paging (or before our paging).

KERNEL_VMA      equ 0xffffffff80000000
MB2_MAGIC       equ 0xe85250d6          ; in the header, for the loader
MB2_BOOT_MAGIC  equ 0x36d76289          ; in eax, from the loader
PVH_MAGIC       equ 0x336ec578          ; hvm_start_info.magic
MSR_EFER        equ 0xC0000080
EFER_LME        equ 1 << 8
EFER_NXE        equ 1 << 11

extern KiSystemStartup

; ---------------------------------------------------------------------------
; The multiboot2 header: GRUB searches the first 32 KiB of the file for it.
section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
    dd MB2_MAGIC
    dd 0                                ; architecture: i386 protected mode
    dd mb2_header_end - mb2_header
    dd -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
    align 8
    dw 0, 0                             ; end tag
    dd 8
mb2_header_end:

; The PVH note: QEMU's -kernel finds the 32-bit entry point here
; (XEN_ELFNOTE_PHYS32_ENTRY = 18). It must sit in a PT_NOTE segment.
section .note.Xen note alloc noexec nowrite align=4
    dd 4                                ; name size ("Xen\0")
    dd 4                                ; descriptor size
    dd 18                               ; XEN_ELFNOTE_PHYS32_ENTRY
    db "Xen", 0
    dd _start_pvh

; ---------------------------------------------------------------------------
section .boot.text progbits alloc exec nowrite align=16
bits 32

global _start_mb2
_start_mb2:
    mov edi, eax                        ; 0x36d76289 when GRUB started us
    mov esi, ebx
    jmp start32

global _start_pvh
_start_pvh:
    mov edi, PVH_MAGIC
    mov esi, ebx

; Common 32-bit path: check the CPU, then switch to long mode.
start32:
    cli
    cld
    mov esp, boot_stack_top

    ; Long mode and NX are reported by CPUID 0x80000001 EDX bits 29 and 20.
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, 1 << 29
    jz no_long_mode

    mov eax, cr4
    or eax, (1 << 5) | (1 << 7)         ; PAE, PGE
    mov cr4, eax
    mov eax, boot_pml4
    mov cr3, eax

    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME | EFER_NXE
    wrmsr

    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)       ; PG, and WP so read-only binds ring 0 too
    mov cr0, eax

    lgdt [boot_gdt_ptr]
    jmp 0x08:start64_low

; No long mode: say so on COM1 and stop, rather than triple-faulting.
no_long_mode:
    mov esi, no_long_mode_msg
.next:
    lodsb
    test al, al
    jz .halt
    mov dx, 0x3F8
    out dx, al
    jmp .next
.halt:
    hlt
    jmp .halt

bits 64
; The GNU-EFI loader's entry, already in long mode. UEFI identity-maps memory,
; so this low code keeps running across the CR3 switch (our tables identity-map
; the first 4 GiB too).
global _start_efi64
_start_efi64:
    cli
    cld
    mov rsi, rdi
    mov edi, 0x4F4F424B                 ; BOOT_INFO_MAGIC
    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_NXE
    wrmsr
    mov rax, cr4
    or rax, (1 << 5) | (1 << 7)
    mov cr4, rax
    mov rax, boot_pml4
    mov cr3, rax
    mov rax, cr0
    or rax, 1 << 16
    mov cr0, rax
    lgdt [boot_gdt_ptr]
    mov rsp, boot_stack_top
    push 0x08                           ; reload CS with our 64-bit selector
    push start64_low
    retfq

start64_low:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov rax, start64_high
    jmp rax

no_long_mode_msg:
    db "kernel: this CPU has no 64-bit long mode; stopping.", 13, 10, 0

; ---------------------------------------------------------------------------
; The early page tables, built at link time:
;   0x0000000000000000 - 4 GiB   identity (the code above, the loader's data)
;   0xffff800000000000 + 4 GiB   the direct map of physical memory
;   0xffffffff80000000 + 2 GiB   the kernel image (physical 0 - 2 GiB)
; all with 2 MiB pages. MmInitSystem replaces them with precise ones.
section .boot.data progbits alloc noexec write align=4096
boot_pml4:
    dq boot_pdpt_low + 3                ; present | writable
    times 255 dq 0
    dq boot_pdpt_low + 3                ; entry 256: 0xffff800000000000
    times 254 dq 0
    dq boot_pdpt_high + 3               ; entry 511: 0xffffffff80000000
boot_pdpt_low:
    dq boot_pd0 + 3, boot_pd1 + 3, boot_pd2 + 3, boot_pd3 + 3
    times 508 dq 0
boot_pdpt_high:
    times 510 dq 0
    dq boot_pd0 + 3, boot_pd1 + 3       ; entries 510, 511
%assign gib 0
%rep 4
boot_pd %+ gib:
%assign i 0
%rep 512
    dq (gib * 0x40000000 + i * 0x200000) | 0x83   ; present | writable | 2 MiB
%assign i i + 1
%endrep
%assign gib gib + 1
%endrep

boot_gdt:
    dq 0
    dq 0x00af9a000000ffff               ; 0x08: 64-bit code, ring 0
    dq 0x00cf92000000ffff               ; 0x10: data, ring 0
boot_gdt_ptr:
    dw boot_gdt_ptr - boot_gdt - 1
    dq boot_gdt

section .boot.bss nobits alloc noexec write align=16
    resb 4096
boot_stack_top:

; ---------------------------------------------------------------------------
; The first higher-half instructions: the boot CPU's initial stack is in the
; kernel's .bss, so the low identity map is no longer needed once we are here.
section .text
global start64_high
start64_high:
    mov rsp, KiBootStackTop
    xor ebp, ebp                        ; terminates backtraces
    ; edi = the loader's magic, rsi = physical address of its information
    call KiSystemStartup
.hang:
    cli
    hlt
    jmp .hang

section .bss
align 16
global KiBootStack
KiBootStack:
    resb 16384
global KiBootStackTop
KiBootStackTop:

section .note.GNU-stack noalloc noexec nowrite progbits

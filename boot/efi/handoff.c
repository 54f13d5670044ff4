/*
 * handoff.c - leaving the firmware, entering the kernel.
 *
 * ExitBootServices ends the firmware's boot-time life: its drivers stop, its
 * timers stop firing, and its memory becomes ours. The firmware only agrees if
 * we prove we saw the latest memory map, by passing the key of that map. So:
 *
 *   1. read the memory map into a buffer allocated beforehand;
 *   2. call ExitBootServices with its key at once: between the two, nothing
 *      may allocate or free memory (not even Print, which may allocate);
 *   3. if it answers EFI_INVALID_PARAMETER, the map changed meanwhile (a
 *      firmware event ran): go back to 1. The spec allows only GetMemoryMap
 *      and ExitBootServices after a failed attempt.
 *
 * Once it succeeds, no firmware call is allowed (runtime services aside), and
 * we still run on the firmware's stack, GDT, IDT and identity-mapped page
 * tables, all in memory that is now free: nothing may reuse it before the
 * kernel has switched to its own, which _start_efi64 does first thing.
 */
#include "loader.h"

#define EXIT_ATTEMPTS 4
#define COM1 0x3F8

/* The kernel's entry takes its argument in rdi (System V), not rcx (UEFI). */
typedef void (*KERNEL_ENTRY)(UINT64 BootInfoPhysical) __attribute__((sysv_abi, noreturn));

static UINT8 InByte(UINT16 Port)
{
    UINT8 Value;
    __asm__ volatile("inb %1, %0" : "=a"(Value) : "Nd"(Port));
    return Value;
}

static void OutByte(UINT16 Port, UINT8 Value)
{
    __asm__ volatile("outb %0, %1" : : "a"(Value), "Nd"(Port));
}

/* Without boot services there is no console: after a failed ExitBootServices
 * the only way left to speak is the serial port itself (the firmware has set
 * it up already), and the only safe thing to do is stop. */
static __attribute__((noreturn)) void Stop(const char *Message)
{
    for (const char *P = Message; *P; P++) {
        while ((InByte(COM1 + 5) & 0x20) == 0) /* line status: transmitter empty */
            ;
        OutByte(COM1, (UINT8)*P);
    }
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* Interrupts stay off until the kernel has its own IDT: the firmware's
 * handlers are in memory the kernel is about to reuse. */
static __attribute__((noreturn)) void EnterKernel(UINT64 EntryPhysical, BOOT_INFO *Info)
{
    KERNEL_ENTRY Entry = (KERNEL_ENTRY)(UINTN)EntryPhysical;

    __asm__ volatile("cli" : : : "memory");
    Entry((UINT64)(UINTN)Info);
}

EFI_STATUS ExitBootServicesAndStartKernel(EFI_HANDLE ImageHandle, BOOT_INFO *Info, UINT64 EntryPhysical)
{
    MEMORY_MAP Map;
    EFI_STATUS Status = MemoryMapAllocate(&Map);

    if (EFI_ERROR(Status))
        return Status;
    LoaderInfo(L"exiting boot services; the kernel starts at 0x%lx", EntryPhysical);

    /* ---- no allocation, no Print from here on ---- */
    Status = MemoryMapRead(&Map);
    if (EFI_ERROR(Status)) { /* ExitBootServices not called yet: we may still talk */
        MemoryMapFree(&Map);
        LoaderError(L"cannot read the final memory map: %r", Status);
        return Status;
    }
    for (UINTN Attempt = 1;; Attempt++) {
        Status = BS->ExitBootServices(ImageHandle, Map.Key);
        if (Status == EFI_SUCCESS)
            break;
        if (Status != EFI_INVALID_PARAMETER || Attempt == EXIT_ATTEMPTS)
            Stop("ntmini-efi: error: ExitBootServices failed; stopping.\r\n");
        if (EFI_ERROR(MemoryMapRead(&Map))) /* the key was stale: read the map again */
            Stop("ntmini-efi: error: GetMemoryMap failed during ExitBootServices; stopping.\r\n");
    }

    /* ---- the machine is ours ---- */
    MemoryMapConvert(&Map, Info);
    EnterKernel(EntryPhysical, Info);
}

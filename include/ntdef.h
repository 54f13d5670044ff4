/*
 * ntdef.h - the basic NT types, shared by the kernel, lib/ (also built for the
 * host) and, through wdm.h, by drivers.
 *
 * The widths follow the Windows LLP64 model: ULONG is 32 bits even though this
 * is a 64-bit kernel, exactly as on x64 Windows, so driver code written for
 * Windows keeps its meaning here.
 */
#ifndef NTDEF_H
#define NTDEF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef void VOID, *PVOID;
typedef const void *PCVOID;
typedef char CHAR, *PCHAR;
typedef const char *PCSTR, *PCCHAR;
typedef char *PSTR;
typedef unsigned char UCHAR, *PUCHAR, BOOLEAN, *PBOOLEAN;
typedef short SHORT, *PSHORT;
typedef unsigned short USHORT, *PUSHORT, WCHAR, *PWCHAR;
typedef int LONG, *PLONG;
typedef unsigned int ULONG, *PULONG;
typedef long long LONGLONG, LONG64, *PLONG64;
typedef unsigned long long ULONGLONG, ULONG64, *PULONG64;
typedef int8_t INT8;
typedef uint8_t UINT8;
typedef int16_t INT16;
typedef uint16_t UINT16;
typedef int32_t INT32;
typedef uint32_t UINT32;
typedef int64_t INT64;
typedef uint64_t UINT64;
typedef intptr_t LONG_PTR, *PLONG_PTR;
typedef uintptr_t ULONG_PTR, *PULONG_PTR;
typedef ULONG_PTR SIZE_T, *PSIZE_T;
typedef LONG NTSTATUS;
typedef ULONG LOGICAL;
typedef short CSHORT;
typedef WCHAR *PWSTR;
typedef const WCHAR *PCWSTR;
typedef char CCHAR;
typedef PVOID HANDLE, *PHANDLE;  /* an index into a handle table, opaque to its holder */
typedef ULONG ACCESS_MASK;

#ifndef TRUE
#define TRUE 1
#define FALSE 0
#endif

#ifndef NULL
#define NULL ((void *)0)
#endif

typedef union _LARGE_INTEGER {
    struct {
        ULONG LowPart;
        LONG HighPart;
    };
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef LARGE_INTEGER PHYSICAL_ADDRESS, *PPHYSICAL_ADDRESS;

/* NTSTATUS: severity in the top two bits; >= 0 means success. */
#define NT_SUCCESS(Status) (((NTSTATUS)(Status)) >= 0)
#define NT_INFORMATION(Status) ((((ULONG)(Status)) >> 30) == 1)
#define NT_WARNING(Status) ((((ULONG)(Status)) >> 30) == 2)
#define NT_ERROR(Status) ((((ULONG)(Status)) >> 30) == 3)
#define STATUS_SUCCESS ((NTSTATUS)0x00000000L)
#define STATUS_WAIT_0 ((NTSTATUS)0x00000000L) /* KeWaitFor*: object n satisfied the wait: STATUS_WAIT_0 + n */
#define STATUS_ABANDONED_WAIT_0 ((NTSTATUS)0x00000080L)
#define STATUS_USER_APC ((NTSTATUS)0x000000C0L)
#define STATUS_ALERTED ((NTSTATUS)0x00000101L)
#define STATUS_TIMEOUT ((NTSTATUS)0x00000102L) /* a success code: the wait timed out */
#define STATUS_PENDING ((NTSTATUS)0x00000103L)
#define STATUS_UNSUCCESSFUL ((NTSTATUS)0xC0000001L)
#define STATUS_NOT_IMPLEMENTED ((NTSTATUS)0xC0000002L)
#define STATUS_INVALID_HANDLE ((NTSTATUS)0xC0000008L)
#define STATUS_OBJECT_TYPE_MISMATCH ((NTSTATUS)0xC0000024L)
#define STATUS_MUTANT_NOT_OWNED ((NTSTATUS)0xC0000046L)
#define STATUS_SEMAPHORE_LIMIT_EXCEEDED ((NTSTATUS)0xC0000047L)
#define STATUS_INVALID_PARAMETER ((NTSTATUS)0xC000000DL)
#define STATUS_NOT_SUPPORTED ((NTSTATUS)0xC00000BBL)
#define STATUS_INVALID_PARAMETER_1 ((NTSTATUS)0xC00000EFL)
#define STATUS_NO_MEMORY ((NTSTATUS)0xC0000017L)
#define STATUS_INSUFFICIENT_RESOURCES ((NTSTATUS)0xC000009AL)
#define STATUS_BUFFER_TOO_SMALL ((NTSTATUS)0xC0000023L)
#define STATUS_NOT_FOUND ((NTSTATUS)0xC0000225L)
/* The I/O manager's (kernel/io, docs/io.md). */
#define STATUS_BUFFER_OVERFLOW ((NTSTATUS)0x80000005L)
#define STATUS_NO_SUCH_DEVICE ((NTSTATUS)0xC000000EL)
#define STATUS_INVALID_DEVICE_REQUEST ((NTSTATUS)0xC0000010L)
#define STATUS_END_OF_FILE ((NTSTATUS)0xC0000011L)
#define STATUS_MORE_PROCESSING_REQUIRED ((NTSTATUS)0xC0000016L)
#define STATUS_OBJECT_NAME_INVALID ((NTSTATUS)0xC0000033L)
#define STATUS_OBJECT_NAME_NOT_FOUND ((NTSTATUS)0xC0000034L)
#define STATUS_OBJECT_NAME_COLLISION ((NTSTATUS)0xC0000035L)
#define STATUS_DEVICE_NOT_READY ((NTSTATUS)0xC00000A3L)
#define STATUS_CANCELLED ((NTSTATUS)0xC0000120L)
#define STATUS_INVALID_DEVICE_STATE ((NTSTATUS)0xC0000184L)
/* Storage (drivers/ahci, docs/ahci.md). */
#define STATUS_DEVICE_CONFIGURATION_ERROR ((NTSTATUS)0xC0000182L)
#define STATUS_DATATYPE_MISALIGNMENT ((NTSTATUS)0x80000002L)
#define STATUS_IO_TIMEOUT ((NTSTATUS)0xC00000B5L)
#define STATUS_IO_DEVICE_ERROR ((NTSTATUS)0xC0000185L)

/* A counted string of 16-bit characters, NT's name for everything named
 * (device names: \Device\Foo). Length and MaximumLength are in bytes, and
 * Buffer need not end with a zero. The kernel is built with -fshort-wchar, so
 * L"..." literals are WCHAR arrays, as with Microsoft's compiler. */
typedef struct _UNICODE_STRING {
    USHORT Length;        /* bytes in use, without any terminating zero */
    USHORT MaximumLength; /* bytes Buffer can hold */
    PWSTR Buffer;
} UNICODE_STRING, *PUNICODE_STRING;
typedef const UNICODE_STRING *PCUNICODE_STRING;

/* Doubly linked lists, as in NT: the list head is a LIST_ENTRY whose Flink and
 * Blink point to itself when the list is empty. */
typedef struct _LIST_ENTRY {
    struct _LIST_ENTRY *Flink;
    struct _LIST_ENTRY *Blink;
} LIST_ENTRY, *PLIST_ENTRY;

typedef struct _SINGLE_LIST_ENTRY {
    struct _SINGLE_LIST_ENTRY *Next;
} SINGLE_LIST_ENTRY, *PSINGLE_LIST_ENTRY;

/* CONTAINING_RECORD: from a pointer to a field back to the structure. */
#define CONTAINING_RECORD(address, type, field) ((type *)((PCHAR)(address)-offsetof(type, field)))

#define ARRAYSIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A compile-time check, as in the WDK: C_ASSERT(sizeof(X) == 32). */
#define C_ASSERT(e) _Static_assert(e, #e)
#define UNREFERENCED_PARAMETER(P) ((void)(P))

#endif /* NTDEF_H */

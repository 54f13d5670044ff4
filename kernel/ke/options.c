/*
 * options.c - the kernel command line, read through KeBootInfo.
 */
#include "ke.h"
#include "rtl.h"

BOOLEAN KeGetOption(PCSTR Name, PCHAR Value, SIZE_T ValueSize)
{
    return RtlGetOption(KeBootInfo.CommandLine, Name, Value, ValueSize);
}

BOOLEAN KeHasOption(PCSTR Name)
{
    return RtlHasOption(KeBootInfo.CommandLine, Name);
}

/* A numeric option, or Default when it is absent or not a number (which is
 * reported, so a typo on the command line does not pass silently). */
ULONG64 KeGetOptionNumber(PCSTR Name, ULONG64 Default)
{
    ULONG64 Value;

    if (!RtlHasOption(KeBootInfo.CommandLine, Name))
        return Default;
    if (RtlGetOptionNumber(KeBootInfo.CommandLine, Name, &Value))
        return Value;
    DbgPrint("options: `%s` wants a number; using %llu\n", Name, Default);
    return Default;
}

/*
 * table.c - the shell's commands, and running a line: split it into words,
 * find the first word in the table, call its routine with all of them.
 *
 * To add a command: write its routine (a KD_COMMAND_ROUTINE, in the cmd*.c
 * file of its kind), declare it in kdp.h, add a line here.
 */
#include "kdp.h"

static const KD_COMMAND KdCommands[] = {
    {"help", "", "list the commands", KdCmdHelp},
    {"irql", "", "the IRQL the shell runs at, and the levels", KdCmdIrql},
    {"cpus", "", "the processors: APIC ID, clock ticks, IPIs", KdCmdCpus},
    {"dpcs", "", "each processor's DPC queue and counts", KdCmdDpcs},
    {"pool", "", "pool allocations by tag", KdCmdPool},
    {"devices", "", "the named devices and drivers", KdCmdDevices},
    {"irps", "", "the IRPs in flight", KdCmdIrps},
    {"pci", "[bus:dev.fn]", "the PCI functions, or one's configuration header", KdCmdPci},
    {"disks", "", "the disks: model, size, queue depth, counters", KdCmdDisks},
    {"read", "<device> <lba> <count>", "read sectors (IRP_MJ_READ) and dump them", KdCmdRead},
    {"echo", "[text ...]", "print the text back", KdCmdEcho},
    {"test", "[filter]", "run the in-kernel tests (all, or the filter's)", KdCmdTest},
    {"bench", "", "run the benchmarks", KdCmdBench},
    {"poweroff", "", "leave QEMU (or halt)", KdCmdPoweroff},
};

static VOID PrintUsage(const KD_COMMAND *Command)
{
    DbgPrint("usage: %s %s\n", Command->Name, Command->Arguments);
}

_Use_decl_annotations_
BOOLEAN KdCmdHelp(ULONG Argc, PCSTR *Argv)
{
    UNREFERENCED_PARAMETER(Argv);
    if (Argc != 1)
        return FALSE;
    for (SIZE_T i = 0; i < ARRAYSIZE(KdCommands); i++) {
        char Synopsis[48];
        RtlFormatString(Synopsis, sizeof(Synopsis), "%s %s", KdCommands[i].Name, KdCommands[i].Arguments);
        DbgPrint("  %-32s %s\n", Synopsis, KdCommands[i].Help);
    }
    return TRUE;
}

/* Splits Line in place at spaces; returns the number of words. */
static ULONG SplitWords(PCHAR Line, PCSTR *Words, ULONG Capacity)
{
    ULONG Count = 0;

    for (PCHAR P = Line; *P != 0;) {
        while (*P == ' ')
            *P++ = 0;
        if (*P == 0)
            break;
        if (Count == Capacity)
            return Capacity + 1; /* too many */
        Words[Count++] = P;
        while (*P != 0 && *P != ' ')
            P++;
    }
    return Count;
}

static const KD_COMMAND *FindCommand(PCSTR Name)
{
    for (SIZE_T i = 0; i < ARRAYSIZE(KdCommands); i++) {
        if (strcmp(KdCommands[i].Name, Name) == 0)
            return &KdCommands[i];
    }
    return NULL;
}

VOID KdExecuteLine(PCHAR Line)
{
    PCSTR Words[KD_MAX_ARGUMENTS];
    ULONG Count = SplitWords(Line, Words, KD_MAX_ARGUMENTS);

    if (Count == 0)
        return;
    const KD_COMMAND *Command = FindCommand(Words[0]);
    if (Command == NULL) {
        DbgPrint("kd: unknown command \"%s\"\nusage: <command> [arguments] (`help` lists the commands)\n", Words[0]);
        return;
    }
    if (Count > KD_MAX_ARGUMENTS || !Command->Routine(Count, Words))
        PrintUsage(Command);
}

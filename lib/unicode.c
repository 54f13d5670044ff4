/*
 * unicode.c - UNICODE_STRING, NT's counted string: RtlInitUnicodeString and
 * RtlEqualUnicodeString. Names in the object namespace (\Device\Foo) are
 * UNICODE_STRINGs, compared without regard to case.
 */
#include "rtl.h"

VOID RtlInitUnicodeString(PUNICODE_STRING Destination, PCWSTR Source)
{
    SIZE_T Characters = 0;

    if (Source != NULL) {
        while (Source[Characters] != 0)
            Characters++;
    }
    Destination->Buffer = (PWSTR)Source;
    Destination->Length = (USHORT)(Characters * sizeof(WCHAR));
    Destination->MaximumLength = Source != NULL ? (USHORT)(Destination->Length + sizeof(WCHAR)) : 0;
}

static WCHAR UpcaseAscii(WCHAR C)
{
    return (C >= 'a' && C <= 'z') ? (WCHAR)(C - 'a' + 'A') : C;
}

BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive)
{
    if (String1->Length != String2->Length)
        return FALSE;
    for (SIZE_T i = 0; i < String1->Length / sizeof(WCHAR); i++) {
        WCHAR A = String1->Buffer[i], B = String2->Buffer[i];
        if (CaseInSensitive) {
            A = UpcaseAscii(A);
            B = UpcaseAscii(B);
        }
        if (A != B)
            return FALSE;
    }
    return TRUE;
}

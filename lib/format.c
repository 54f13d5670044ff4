/*
 * format.c - the printf engine behind DbgPrint and RtlFormatString.
 *
 * A conversion is  %[flags][width][.precision][length]type  and is handled in
 * three steps: parse the specification, turn the argument into digits (or take
 * the string), then emit padding, sign, prefix, zeros and body in the order C
 * defines. Output goes one character at a time to a sink callback.
 */
#include "rtl.h"

typedef struct _FORMAT_SPEC {
    BOOLEAN LeftJustify; /* '-' */
    BOOLEAN ZeroPad;     /* '0' */
    BOOLEAN ForceSign;   /* '+' */
    BOOLEAN SpaceSign;   /* ' ' */
    BOOLEAN Alternate;   /* '#' */
    int Width;
    int Precision; /* -1: none given */
    int Length;    /* bytes of the argument: 1, 2, 4 or 8 */
} FORMAT_SPEC;

typedef struct _FORMAT_OUT {
    PRTL_FORMAT_SINK Sink;
    void *Context;
    int Count;
} FORMAT_OUT;

static void Emit(FORMAT_OUT *Out, char C)
{
    Out->Sink(Out->Context, C);
    Out->Count++;
}

static void EmitRepeated(FORMAT_OUT *Out, char C, int N)
{
    while (N-- > 0)
        Emit(Out, C);
}

static const char *ParseFlags(const char *F, FORMAT_SPEC *Spec)
{
    for (;; F++) {
        switch (*F) {
        case '-': Spec->LeftJustify = TRUE; break;
        case '0': Spec->ZeroPad = TRUE; break;
        case '+': Spec->ForceSign = TRUE; break;
        case ' ': Spec->SpaceSign = TRUE; break;
        case '#': Spec->Alternate = TRUE; break;
        default: return F;
        }
    }
}

static const char *ParseInt(const char *F, int *Value)
{
    *Value = 0;
    while (*F >= '0' && *F <= '9')
        *Value = *Value * 10 + (*F++ - '0');
    return F;
}

static const char *ParseLength(const char *F, FORMAT_SPEC *Spec)
{
    Spec->Length = sizeof(int);
    switch (*F) {
    case 'h': Spec->Length = F[1] == 'h' ? 1 : 2; return F + (F[1] == 'h' ? 2 : 1);
    case 'l': Spec->Length = F[1] == 'l' ? sizeof(long long) : sizeof(long); return F + (F[1] == 'l' ? 2 : 1);
    case 'z':
    case 't':
    case 'j': Spec->Length = 8; return F + 1;
    default: return F;
    }
}

/* Reads an integer argument of the given size; signed ones are sign-extended. */
static ULONG64 FetchInteger(va_list *Args, int Length, BOOLEAN Signed)
{
    if (Length == 8)
        return va_arg(*Args, ULONG64);
    ULONG Raw = va_arg(*Args, ULONG);
    if (!Signed) {
        if (Length == 1)
            return (UCHAR)Raw;
        return Length == 2 ? (USHORT)Raw : Raw;
    }
    if (Length == 1)
        return (ULONG64)(LONG64)(signed char)Raw;
    if (Length == 2)
        return (ULONG64)(LONG64)(SHORT)Raw;
    return (ULONG64)(LONG64)(LONG)Raw;
}

/* Writes Value's digits, least significant first; returns how many. */
static int ToDigits(ULONG64 Value, unsigned Base, BOOLEAN Upper, char *Digits)
{
    const char *Set = Upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int N = 0;

    do {
        Digits[N++] = Set[Value % Base];
        Value /= Base;
    } while (Value);
    return N;
}

/* The sign of a signed conversion; '+' and ' ' apply to signed ones only. */
static char SignOf(const FORMAT_SPEC *Spec, BOOLEAN Negative)
{
    return Negative ? '-' : Spec->ForceSign ? '+' : Spec->SpaceSign ? ' ' : 0;
}

/* Sign is 0 for none (always so for the unsigned conversions); Prefix is ""
 * for none. */
static void EmitNumber(FORMAT_OUT *Out, const FORMAT_SPEC *Spec, ULONG64 Magnitude, char Sign, unsigned Base,
                       BOOLEAN Upper, const char *Prefix)
{
    char Digits[24];
    int NumDigits = ToDigits(Magnitude, Base, Upper, Digits);

    /* An explicit precision of 0 prints nothing for the value 0. */
    if (Spec->Precision == 0 && Magnitude == 0)
        NumDigits = 0;
    /* '#' with octal: the precision grows so the first digit is a 0. */
    int Zeros = Spec->Precision > NumDigits ? Spec->Precision - NumDigits : 0;
    if (Base == 8 && Spec->Alternate && Zeros == 0 && (NumDigits == 0 || Digits[NumDigits - 1] != '0'))
        Zeros = 1;
    int PrefixLength = (int)strlen(Prefix);
    int Body = (Sign ? 1 : 0) + PrefixLength + Zeros + NumDigits;
    int Pad = Spec->Width > Body ? Spec->Width - Body : 0;
    /* '0' pads with zeros after the sign, unless '-' or a precision is given. */
    BOOLEAN PadWithZeros = Spec->ZeroPad && !Spec->LeftJustify && Spec->Precision < 0;

    if (!Spec->LeftJustify && !PadWithZeros)
        EmitRepeated(Out, ' ', Pad);
    if (Sign)
        Emit(Out, Sign);
    for (int i = 0; i < PrefixLength; i++)
        Emit(Out, Prefix[i]);
    if (PadWithZeros)
        EmitRepeated(Out, '0', Pad);
    EmitRepeated(Out, '0', Zeros);
    while (NumDigits)
        Emit(Out, Digits[--NumDigits]);
    if (Spec->LeftJustify)
        EmitRepeated(Out, ' ', Pad);
}

/* Emits Length characters of S, padded to the width (a %c may be a NUL). */
static void EmitText(FORMAT_OUT *Out, const FORMAT_SPEC *Spec, const char *S, int Length)
{
    int Pad = Spec->Width > Length ? Spec->Width - Length : 0;

    if (!Spec->LeftJustify)
        EmitRepeated(Out, ' ', Pad);
    for (int i = 0; i < Length; i++)
        Emit(Out, S[i]);
    if (Spec->LeftJustify)
        EmitRepeated(Out, ' ', Pad);
}

static void EmitConversion(FORMAT_OUT *Out, const FORMAT_SPEC *Spec, char Type, va_list *Args)
{
    switch (Type) {
    case 'd':
    case 'i': {
        LONG64 V = (LONG64)FetchInteger(Args, Spec->Length, TRUE);
        ULONG64 Magnitude = V < 0 ? 0 - (ULONG64)V : (ULONG64)V;
        EmitNumber(Out, Spec, Magnitude, SignOf(Spec, V < 0), 10, FALSE, "");
        break;
    }
    case 'u': EmitNumber(Out, Spec, FetchInteger(Args, Spec->Length, FALSE), 0, 10, FALSE, ""); break;
    case 'o': EmitNumber(Out, Spec, FetchInteger(Args, Spec->Length, FALSE), 0, 8, FALSE, ""); break;
    case 'x':
    case 'X': {
        ULONG64 V = FetchInteger(Args, Spec->Length, FALSE);
        const char *Prefix = Spec->Alternate && V ? (Type == 'x' ? "0x" : "0X") : "";
        EmitNumber(Out, Spec, V, 0, 16, Type == 'X', Prefix);
        break;
    }
    case 'p': {
        /* Pointers print as 0x plus 16 hex digits, so columns line up. */
        ULONG64 V = (ULONG64)(ULONG_PTR)va_arg(*Args, void *);
        FORMAT_SPEC P = *Spec;
        P.Precision = 16;
        EmitNumber(Out, &P, V, 0, 16, FALSE, "0x");
        break;
    }
    case 's': {
        const char *S = va_arg(*Args, const char *);
        if (S == NULL)
            S = "(null)";
        /* With a precision, S need not be terminated: read no further. */
        EmitText(Out, Spec, S, (int)(Spec->Precision >= 0 ? strnlen(S, (size_t)Spec->Precision) : strlen(S)));
        break;
    }
    case 'c': {
        char C = (char)va_arg(*Args, int);
        EmitText(Out, Spec, &C, 1);
        break;
    }
    default: /* '%%' and unknown conversions are printed as they are */ Emit(Out, Type); break;
    }
}

int RtlFormatV(PRTL_FORMAT_SINK Sink, void *Context, const char *Format, va_list Args)
{
    FORMAT_OUT Out = {Sink, Context, 0};
    va_list Ap;

    va_copy(Ap, Args);
    for (const char *F = Format; *F; F++) {
        if (*F != '%') {
            Emit(&Out, *F);
            continue;
        }
        FORMAT_SPEC Spec = {0};
        F = ParseFlags(F + 1, &Spec);
        if (*F == '*') {
            Spec.Width = va_arg(Ap, int);
            if (Spec.Width < 0) {
                Spec.LeftJustify = TRUE;
                Spec.Width = -Spec.Width;
            }
            F++;
        } else {
            F = ParseInt(F, &Spec.Width);
        }
        Spec.Precision = -1;
        if (*F == '.') {
            if (F[1] == '*') {
                Spec.Precision = va_arg(Ap, int);
                if (Spec.Precision < 0)
                    Spec.Precision = -1;
                F += 2;
            } else {
                F = ParseInt(F + 1, &Spec.Precision);
            }
        }
        F = ParseLength(F, &Spec);
        if (*F == 0)
            break;
        EmitConversion(&Out, &Spec, *F, &Ap);
    }
    va_end(Ap);
    return Out.Count;
}

int RtlFormat(PRTL_FORMAT_SINK Sink, void *Context, const char *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    int N = RtlFormatV(Sink, Context, Format, Args);
    va_end(Args);
    return N;
}

typedef struct _STRING_SINK {
    char *Buffer;
    size_t Size;
    size_t Used;
} STRING_SINK;

static void StringSink(void *Context, char C)
{
    STRING_SINK *S = Context;
    if (S->Used + 1 < S->Size)
        S->Buffer[S->Used] = C;
    S->Used++;
}

int RtlFormatStringV(char *Buffer, size_t Size, const char *Format, va_list Args)
{
    STRING_SINK S = {Buffer, Size, 0};
    int N = RtlFormatV(StringSink, &S, Format, Args);
    if (Size > 0)
        Buffer[S.Used < Size ? S.Used : Size - 1] = 0;
    return N;
}

int RtlFormatString(char *Buffer, size_t Size, const char *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    int N = RtlFormatStringV(Buffer, Size, Format, Args);
    va_end(Args);
    return N;
}

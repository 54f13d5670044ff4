/*
 * object.c - object headers and reference counts.
 *
 * Every object is allocated with a header in front of it, which the object's
 * users never see: they hold a pointer to the body, and the header is just
 * below it.
 *
 *     OBJECT_HEADER { PointerCount, Type }  |  body (a KTHREAD, ...)
 *                                           ^ the object pointer
 */
#include "ob.h"
#include "ex/ex.h"
#include "ke/ke.h"
#include "rtl.h"

typedef struct _OBJECT_HEADER {
    volatile LONG_PTR PointerCount;
    POBJECT_TYPE Type;
} __attribute__((aligned(16))) OBJECT_HEADER, *POBJECT_HEADER;

static POBJECT_HEADER HeaderOf(PVOID Object)
{
    return (POBJECT_HEADER)Object - 1;
}

POBJECT_TYPE ObpObjectType(PVOID Object)
{
    return HeaderOf(Object)->Type;
}

PVOID ObpCreateObject(POBJECT_TYPE Type, SIZE_T BodySize)
{
    POBJECT_HEADER Header = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(OBJECT_HEADER) + BodySize, Type->PoolTag);

    if (Header == NULL)
        return NULL;
    Header->PointerCount = 1;
    Header->Type = Type;
    return Header + 1;
}

LONG_PTR ObpPointerCount(PVOID Object)
{
    return HeaderOf(Object)->PointerCount;
}

LONG_PTR ObfReferenceObject(PVOID Object)
{
    return __atomic_add_fetch(&HeaderOf(Object)->PointerCount, 1, __ATOMIC_SEQ_CST);
}

LONG_PTR ObfDereferenceObject(PVOID Object)
{
    POBJECT_HEADER Header = HeaderOf(Object);
    LONG_PTR Count = __atomic_sub_fetch(&Header->PointerCount, 1, __ATOMIC_SEQ_CST);

    if (Count < 0)
        KiBugCheck(KERNEL_SECURITY_CHECK_FAILURE, (ULONG_PTR)Object, (ULONG_PTR)Count, 0, 0, NULL,
                   "ObDereferenceObject(%p): more dereferences than references", Object);
    if (Count == 0) {
        if (Header->Type->DeleteProcedure != NULL)
            Header->Type->DeleteProcedure(Object);
        ExFreePoolWithTag(Header, Header->Type->PoolTag);
    }
    return Count;
}
